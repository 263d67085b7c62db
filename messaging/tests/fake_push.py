"""Local fake push providers on 127.0.0.1 speaking the documented request and answer formats.

FCM (HTTP/1.1): the OAuth2 token endpoint (`POST /token`, form grant_type=urn:ietf:params:oauth:grant-type:
jwt-bearer and assertion = an RS256 JWT signed by the service account's key, checked here with its public
key) answers {"access_token", "expires_in", "token_type": "Bearer"}; `POST /v1/projects/<id>/messages:send`
with that bearer token answers {"name": "projects/<id>/messages/<n>"} or {"error": {"code", "message",
"status", "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode"}]}}
(https://firebase.google.com/docs/cloud-messaging/error-codes).
APNs (HTTP/2, cleartext with prior knowledge): `POST /3/device/<token>` with `authorization: bearer <ES256 JWT>`
(kid = key id, iss = team id, checked here) answers 200 with an apns-id header, or {"reason"} (410 adds
"timestamp").
Device tokens starting "unregistered" or "invalid" (FCM), "unregistered" or "bad" (APNs) get those errors;
`script` queues (status, body) answers served first.
"""
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import h2.config
import h2.connection
import h2.events
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

PROJECT_ID = "loyalty-test"
APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC = "ABC123DEFG", "DEF123GHIJ", "ru.shop.app"
FCM_ERRORS = {
    "unregistered": (404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found."),
    "invalid": (400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"),
}


def _pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def fcm_error(status: int, code: str, error_code: str, message: str) -> dict:
    return {"error": {"code": status, "message": message, "status": code, "details": [
        {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": error_code}]}}


class _Recorder:
    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        self._lock = threading.Lock()
        self._ids = 0

    def next_id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids

    def scripted(self):
        with self._lock:
            return self.script.pop(0) if self.script else None


class FakeFcm(_Recorder):
    def __init__(self, *, token_lifetime: int = 3600):
        super().__init__()
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.token_lifetime = token_lifetime
        self.oauth_calls = 0
        self.access_tokens: set[str] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def service_account(self) -> dict:
        return {"type": "service_account", "project_id": PROJECT_ID, "private_key_id": "key-1",
                "private_key": _pem(self.key), "client_email": f"push@{PROJECT_ID}.iam.gserviceaccount.com",
                "token_uri": f"{self.url}/token"}

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def oauth(self, form) -> tuple[int, dict]:
        self.oauth_calls += 1
        try:
            claims = jwt.decode(form.get("assertion", ""), self.key.public_key(), algorithms=["RS256"],
                                audience=f"{self.url}/token")
        except jwt.InvalidTokenError as error:
            return 400, {"error": "invalid_grant", "error_description": str(error)}
        if (form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer"
                or claims.get("scope") != "https://www.googleapis.com/auth/firebase.messaging"
                or claims.get("iss") != self.service_account()["client_email"]):
            return 400, {"error": "invalid_grant", "error_description": "bad claims"}
        token = f"ya29.fake-{uuid.uuid4().hex}"
        self.access_tokens.add(token)
        return 200, {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}

    def send(self, path, body, authorization) -> tuple[int, dict]:
        if path != f"/v1/projects/{PROJECT_ID}/messages:send":
            return 404, fcm_error(404, "NOT_FOUND", "UNSPECIFIED_ERROR", "Not found")
        if authorization.removeprefix("Bearer ") not in self.access_tokens:
            return 401, {"error": {"code": 401, "status": "UNAUTHENTICATED",
                                   "message": "Request had invalid authentication credentials."}}
        message = body.get("message") or {}
        token = message.get("token", "")
        for prefix, (status, code, error_code, text) in FCM_ERRORS.items():
            if token.startswith(prefix):
                return status, fcm_error(status, code, error_code, text)
        if not (message.get("notification") or {}).get("title"):
            return 400, {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "Invalid notification",
                                   "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                                                "fieldViolations": [{"field": "message.notification.title"}]}]}}
        return 200, {"name": f"projects/{PROJECT_ID}/messages/{self.next_id()}"}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # answer at once, as a provider's server does

            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.path == "/token":
                    form = {k: v[0] for k, v in parse_qs(raw).items()}
                    fake.requests.append({"path": self.path, "form": form})
                    status, body = fake.oauth(form)
                else:
                    body_in = json.loads(raw or "{}")
                    fake.requests.append({"path": self.path, "json": body_in, "headers": dict(self.headers)})
                    status, body = fake.scripted() or fake.send(self.path, body_in, self.headers.get("Authorization", ""))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


class FakeApns(_Recorder):
    """HTTP/2 with prior knowledge on a plain socket: one thread per connection, streams answered in turn."""

    def __init__(self):
        super().__init__()
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.connections = 0
        self.provider_tokens: set[str] = set()
        self.expired_tokens: set[str] = set()  # tests mark a provider token expired early
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    @property
    def signing_key(self) -> str:
        return _pem(self.key)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.running = False
        self.sock.close()

    def _accept(self):
        while self.running:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        h2conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
        h2conn.initiate_connection()
        conn.sendall(h2conn.data_to_send())
        streams: dict[int, dict] = {}
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                for event in h2conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        headers = {k.decode() if isinstance(k, bytes) else k: v.decode() if isinstance(v, bytes) else v
                                   for k, v in event.headers}
                        streams[event.stream_id] = {"headers": headers, "body": b""}
                    elif isinstance(event, h2.events.DataReceived):
                        streams[event.stream_id]["body"] += event.data
                        h2conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                    elif isinstance(event, h2.events.StreamEnded):
                        request = streams.pop(event.stream_id)
                        status, body, extra = self.answer(request["headers"], request["body"])
                        response_headers = [(":status", str(status)), *extra.items()]
                        data_out = json.dumps(body).encode() if body is not None else b""
                        if data_out:
                            response_headers.append(("content-type", "application/json"))
                        h2conn.send_headers(event.stream_id, response_headers, end_stream=not data_out)
                        if data_out:
                            h2conn.send_data(event.stream_id, data_out, end_stream=True)
                conn.sendall(h2conn.data_to_send())

    def answer(self, headers: dict, raw: bytes) -> tuple[int, dict | None, dict]:
        path, body = headers.get(":path", ""), json.loads(raw or b"{}")
        self.requests.append({"path": path, "headers": headers, "json": body})
        scripted = self.scripted()
        if scripted:
            return scripted[0], scripted[1], {}
        if not path.startswith("/3/device/") or headers.get(":method") != "POST":
            return 405, {"reason": "MethodNotAllowed"}, {}
        provider_token = headers.get("authorization", "").removeprefix("bearer ")
        if provider_token in self.expired_tokens:
            return 403, {"reason": "ExpiredProviderToken"}, {}
        if provider_token not in self.provider_tokens:
            try:
                claims = jwt.decode(provider_token, self.key.public_key(), algorithms=["ES256"])
                header = jwt.get_unverified_header(provider_token)
            except jwt.InvalidTokenError:
                return 403, {"reason": "InvalidProviderToken"}, {}
            if header.get("kid") != APNS_KEY_ID or claims.get("iss") != APNS_TEAM_ID or "iat" not in claims:
                return 403, {"reason": "InvalidProviderToken"}, {}
            self.provider_tokens.add(provider_token)
        if headers.get("apns-topic") != APNS_TOPIC:
            return 400, {"reason": "TopicDisallowed"}, {}
        if headers.get("apns-push-type") not in ("alert", "background"):
            return 400, {"reason": "InvalidPushType"}, {}
        token = path.removeprefix("/3/device/")
        if token.startswith("unregistered"):
            return 410, {"reason": "Unregistered", "timestamp": int(time.time() * 1000)}, {}
        if token.startswith("bad"):
            return 400, {"reason": "BadDeviceToken"}, {}
        if not (body.get("aps") or {}).get("alert"):
            return 400, {"reason": "PayloadEmpty"}, {}
        return 200, None, {"apns-id": headers.get("apns-id") or str(uuid.uuid4())}
