"""A provider stand-in for crash tests: every call is appended to a file shared across processes.

Like an SMS gateway with client message ids it delivers a key once: a repeat call with a known key
is logged as `repeat` and not delivered again. CAMPAIGNS_RECORDING_DELAY makes each send slow enough
for a test to kill the worker in the middle of one.
"""
import os
import time

from .base import ChannelBackend, OutgoingMessage, SendResult


class FileRecordingChannel(ChannelBackend):
    def __init__(self):
        self.path = os.environ["CAMPAIGNS_RECORDING_PATH"]
        self.delay = float(os.environ.get("CAMPAIGNS_RECORDING_DELAY", "0"))

    def send(self, message: OutgoingMessage) -> SendResult:
        with open(self.path, "a+") as log:
            log.seek(0)
            known = {line.split()[1] for line in log if line.startswith("delivered ")}
            log.write(f"call {message.idempotency_key}\n")
            log.flush()
        time.sleep(self.delay)  # the provider is working; a kill here leaves the outcome unknown
        with open(self.path, "a") as log:
            kind = "repeat" if message.idempotency_key in known else "delivered"
            log.write(f"{kind} {message.idempotency_key} {message.to}\n")
        return SendResult(provider_id=message.idempotency_key)
