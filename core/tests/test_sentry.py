import json
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
if client.is_active():
    sentry_sdk.capture_message("sentry probe")
    sentry_sdk.flush(10)
print(json.dumps({"active": client.is_active(), "integrations": sorted(client.integrations),
                  "pii": client.options.get("send_default_pii")}))
"""


@pytest.fixture
def fake_sentry():
    """A Sentry ingest endpoint on 127.0.0.1 that keeps the envelopes it receives."""
    received = []

    class Ingest(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            encoding = self.headers.get("Content-Encoding")
            if encoding == "gzip":
                body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
            elif encoding == "br":
                import brotli

                body = brotli.decompress(body)
            received.append(body.decode())
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], received
    server.shutdown()


def _start_process(**env_vars) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SENTRY_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", **env_vars)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sentry_reports_with_django_and_celery_and_no_personal_data_when_the_dsn_is_set(fake_sentry):
    # given a Sentry endpoint and a process started with SENTRY_DSN, environment and release
    port, received = fake_sentry

    # when the process starts and reports a message
    state = _start_process(SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/1", SENTRY_ENVIRONMENT="staging",
                           SENTRY_RELEASE="loyalty@1.2.3")

    # then the client runs with both integrations, without personal data, and the event arrived
    assert state["active"] is True and state["pii"] is False
    assert {"django", "celery"} <= set(state["integrations"])
    envelope = "".join(received)
    assert "sentry probe" in envelope
    assert '"environment":"staging"' in envelope.replace(" ", "")
    assert '"release":"loyalty@1.2.3"' in envelope.replace(" ", "")


def test_sentry_stays_off_without_a_dsn(fake_sentry):
    # given / when a process started without SENTRY_DSN
    state = _start_process()

    # then no client runs and nothing is sent
    assert state["active"] is False
    assert fake_sentry[1] == []
