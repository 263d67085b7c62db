import asyncio
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest

from campaigns.channels import simple


@pytest.fixture(autouse=True)
def locmem_channels(settings):
    """Every channel goes to memory: email to django.core.mail.outbox, SMS and push to simple.outbox."""
    settings.CAMPAIGNS_CHANNEL_BACKENDS = {
        **settings.CAMPAIGNS_CHANNEL_BACKENDS,
        "sms": "campaigns.channels.simple.LocmemChannel",
        "push": "campaigns.channels.simple.LocmemChannel",
    }
    simple.outbox.clear()
    yield simple.outbox
    simple.outbox.clear()


@pytest.fixture
def smtp_server(free_tcp_port):
    """A local SMTP sink: `mails` holds each accepted envelope, `sessions` the SMTP session (one per connection)
    each came in on; recipients in `refused` are answered 451 (try again later); `delay` seconds pass between a
    message's data and the server taking it (a worker killed then has sends in flight)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    sink = SimpleNamespace(url=f"smtp://127.0.0.1:{free_tcp_port}", port=free_tcp_port, mails=[], sessions=[],
                           refused=set(), delay=0.0)

    class Handler(Sink):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address in sink.refused:
                return "451 4.3.0 Try again later"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            await asyncio.sleep(sink.delay)
            sink.mails.append(envelope)
            sink.sessions.append(session)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_tcp_port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def send_rules(db):
    """Permissive send rules (any hour, no quiet hours, high caps); tests of a rule tighten one of them."""
    from .factories import permissive_send_rules

    return permissive_send_rules()


@pytest.fixture(autouse=True)
def _permissive_send_rules(request):
    if "django_db" in request.keywords or "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        request.getfixturevalue("send_rules")


class Receiver:
    """A webhook receiver's record: POSTs to /hook (headers, raw body), the statuses still to answer them
    with (a code, or (code, headers)), and any other request (`strays`)."""

    def __init__(self, url):
        self.url, self.received, self.statuses, self.strays = url, [], [], []

    def __iter__(self):
        return iter((self.url, self.received, self.statuses))


@pytest.fixture
def receiver():
    """A real HTTP endpoint on 127.0.0.1; answers the queued statuses, then 200."""
    record = None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/hook":
                return self.stray()
            record.received.append((self.headers, body))  # case-insensitive, as HTTP headers are
            status = record.statuses.pop(0) if record.statuses else 200
            status, headers = status if isinstance(status, tuple) else (status, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            self.stray()

        def stray(self):
            record.strays.append((self.command, self.path))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    record = Receiver(f"http://127.0.0.1:{server.server_port}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield record
    server.shutdown()
    server.server_close()


def worker_killed_at_email(monkeypatch, nth: int) -> None:
    """The outbox worker dies (not an error it handles) as it starts its `nth` email, as a killed process would:
    no `finally` runs, so no closing flush of unwritten outcomes happens either."""
    from campaigns.channels.email import DjangoEmailChannel
    from campaigns.services.outbox import BatchOutcome

    real_send, calls = DjangoEmailChannel.send, []

    def dying_send(self, message):
        calls.append(message.to)
        if len(calls) == nth:
            raise SystemExit("worker killed")
        return real_send(self, message)

    monkeypatch.setattr(DjangoEmailChannel, "send", dying_send)
    monkeypatch.setattr(BatchOutcome, "flush", lambda self: None)
