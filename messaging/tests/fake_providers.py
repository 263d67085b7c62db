"""Local fake SMS providers on 127.0.0.1 speaking the documented request and answer formats.

SMS.ru: POST /sms/send (form: api_id, to, msg, from, json=1) answers
{"status": "OK", "status_code": 100, "sms": {"<number>": {"status": "OK", "status_code": 100, "sms_id": "…"}},
 "balance": …}; refusals carry status "ERROR", a status_code and status_text (https://sms.ru/api/send).
Twilio: POST /2010-04-01/Accounts/<sid>/Messages.json with basic auth answers 201 with the Message resource, or
{"code", "message", "more_info", "status"} with the HTTP status of the error (https://www.twilio.com/docs/usage/twilios-response).
A test queues scripted answers (`script`) that are served before the normal behaviour.
"""
import base64
import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from .fake_http import FakeHttpServer

SMSRU_API_ID = "A1B2C3D4-0000-1111-2222-333344445555"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-auth-token"


class FakeProviders(FakeHttpServer):
    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict | str, dict]] = []  # (status, body, headers) served first
        self.connections: set[int] = set()
        super().__init__()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse shows
            disable_nagle_algorithm = True  # answer at once, as a provider's server does

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake.connections.add(self.client_address[1])
                fake.requests.append({"path": self.path, "form": form, "headers": dict(self.headers)})
                if fake.script:
                    status, body, headers = fake.script.pop(0)
                elif self.path == "/sms/send":
                    status, body, headers = fake.smsru(form)
                elif self.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json":
                    status, body, headers = fake.twilio(form, self.headers.get("Authorization", ""))
                else:
                    status, body, headers = 404, {"code": 20404, "message": "not found", "status": 404}, {}
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def smsru(self, form):
        if form.get("api_id") != SMSRU_API_ID:
            return 200, {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}, {}
        number = form["to"]
        if not number.isdigit() or len(number) != 11:
            return 200, {"status": "OK", "status_code": 100, "balance": 100.0, "sms": {number: {
                "status": "ERROR", "status_code": 202, "status_text": "Неправильно указан номер телефона получателя"}}}, {}
        return 200, {"status": "OK", "status_code": 100, "balance": 100.0, "sms": {number: {
            "status": "OK", "status_code": 100, "sms_id": f"000000-{10000000 + self.next_id()}"}}}, {}

    def twilio(self, form, authorization):
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if authorization != expected:
            return 401, {"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
                         "status": 401}, {}
        if not form.get("To", "").startswith("+"):
            return 400, {"code": 21211, "message": f"The 'To' number {form.get('To')} is not a valid phone number.",
                         "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}, {}
        sid = f"SM{self.next_id():032x}"
        return 201, {"sid": sid, "account_sid": TWILIO_SID, "to": form["To"], "from": form.get("From"),
                     "body": form["Body"], "status": "queued", "num_segments": "1", "error_code": None,
                     "error_message": None, "api_version": "2010-04-01",
                     "uri": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json"}, {}
