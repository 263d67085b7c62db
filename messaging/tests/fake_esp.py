"""A local fake of two ESPs' send APIs on 127.0.0.1, in their documented formats.

Unisender Go (godocs.unisender.ru/web-api-ref#email-send): POST <api>/email/send.json, the key in X-API-KEY,
a JSON body {"message": {"recipients": [{"email", "metadata"}], "subject", "body": {"plaintext", "html"},
"from_email", "global_metadata", "headers"}}; answers {"status": "success", "job_id", "emails": [...],
"failed_emails": {address: "invalid" | "permanent_unavailable" | ...}} or {"status": "error", "message", "code"}
with a 4xx/5xx status. An `idempotence_key` beside `message` makes a repeat of the key send nothing again: it
gets the first send's answer (`sent` lists what really went out). `lose_answers` answers that many accepted
sends with a 503 after sending them, as a timeout would lose the answer.
Mailgun (documentation.mailgun.com, Messages API): POST /v3/<domain>/messages, basic auth api:<key>, a
form (multipart with attachments) (from, to, subject, text, html, h:<header>, v:<variable>); answers
{"id": "<message-id>", "message": "Queued. Thank you."}, 401 "Forbidden" on a wrong key.
A test queues scripted answers (`script`) served before the normal behaviour.
"""
import base64
import email
import email.policy
import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from .fake_http import FakeHttpServer

UNISENDER_KEY = "unisender-go-test-key"
MAILGUN_KEY = "mailgun-test-key"
MAILGUN_DOMAIN = "mg.shop.example.com"


def _multipart_fields(content_type: str, body: bytes) -> dict:
    message = email.message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body,
                                       policy=email.policy.HTTP)
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields.setdefault(name, []).append(part.get_content())
    return {name: values[0] if len(values) == 1 else values for name, values in fields.items()}


class FakeEsp(FakeHttpServer):
    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict | str]] = []
        self.refused: dict[str, str] = {}  # address -> Unisender Go failed_emails code
        self.sent: list[str] = []  # addresses Unisender Go really sent to
        self.answers_by_key: dict[str, dict] = {}  # idempotence_key -> the first send's answer
        self.lose_answers = 0
        super().__init__()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/json"):
                    body = json.loads(raw)
                elif content_type.startswith("multipart/"):  # Mailgun with attachments
                    body = _multipart_fields(content_type, raw)
                else:
                    body = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(raw.decode()).items()}
                fake.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                if fake.script:
                    status, answer = fake.script.pop(0)
                elif self.path == "/email/send.json":
                    status, answer = fake.unisender_go(body, self.headers.get("X-API-KEY"))
                    if status == 200 and fake.lose_answers:
                        fake.lose_answers -= 1
                        status, answer = 503, {"status": "error", "message": "Gateway Timeout", "code": 503}
                elif self.path == f"/v3/{MAILGUN_DOMAIN}/messages":
                    status, answer = fake.mailgun(body, self.headers.get("Authorization", ""))
                else:
                    status, answer = 404, {"message": "not found"}
                data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if isinstance(answer, str) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def unisender_go(self, body, api_key):
        if api_key != UNISENDER_KEY:
            return 401, {"status": "error", "message": "User with id 0 not found", "code": 114}
        key = body.get("idempotence_key")
        if key in self.answers_by_key:
            return 200, self.answers_by_key[key]
        recipients = [r["email"] for r in body["message"]["recipients"]]
        failed = {r: self.refused[r] for r in recipients if r in self.refused}
        answer = {"status": "success", "job_id": f"1ZymBc-{self.next_id():06d}-9X",
                  "emails": [r for r in recipients if r not in failed], "failed_emails": failed}
        self.sent += answer["emails"]
        if key:
            self.answers_by_key[key] = answer
        return 200, answer

    def mailgun(self, form, authorization):
        if authorization != "Basic " + base64.b64encode(f"api:{MAILGUN_KEY}".encode()).decode():
            return 401, "Forbidden"
        return 200, {"id": f"<20261207120000.{self.next_id()}@{MAILGUN_DOMAIN}>", "message": "Queued. Thank you."}
