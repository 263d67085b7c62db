"""Settings safe as shipped: production refuses to start half-configured, keeps the database URL's options,
takes mail from the environment, and `check --deploy` is clean for the documented environment."""
import ast
import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from core.deploy_check import ROOT, deploy_check, env_example
from core.testing.settings_loader import documented, load_settings

REQUIRED = ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"]


@pytest.mark.parametrize("name", REQUIRED)
@pytest.mark.parametrize("value", [None, ""])
def test_production_refuses_to_start_without_a_required_variable_and_names_it(name, value):
    # given the documented environment without one required variable (unset or empty)
    # when the production settings load
    with pytest.raises(ImproperlyConfigured) as error:
        load_settings("production", documented(**{name: value}))
    # then the error names the variable
    assert f"Set the {name} environment variable" in str(error.value)


def test_production_refuses_to_start_without_a_way_to_send_mail():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        load_settings("production", documented(EMAIL_URL=None))


def test_production_allows_only_the_hosts_it_is_given():
    production = load_settings("production", documented(DJANGO_ALLOWED_HOSTS="club.shop.ru, api.shop.ru"))
    assert production.ALLOWED_HOSTS == ["club.shop.ru", "api.shop.ru"]
    assert production.DEBUG is False


@pytest.mark.parametrize("module", ["production", "local"])
def test_the_database_urls_options_survive_beside_ours(module):
    # given a database URL that asks for a verified TLS connection
    url = "postgres://loyalty:pw@db:5432/loyalty?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem"
    # when the settings load
    settings = load_settings(module, documented(DATABASE_URL=url))
    # then the certificate check is kept, and so are the prepared-statement options
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["sslmode"] == "verify-full" and options["sslrootcert"] == "/etc/ssl/db-ca.pem"
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 5


def test_the_database_url_wins_over_our_defaults():
    url = "postgres://loyalty:pw@db:5432/loyalty?prepare_threshold=0"
    production = load_settings("production", documented(DATABASE_URL=url))
    assert production.DATABASES["default"]["OPTIONS"]["prepare_threshold"] == 0


def test_production_shares_its_cache_across_processes():
    production = load_settings("production", documented(CACHE_URL="redis://redis:6379/3"))
    assert production.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert production.CACHES["default"]["LOCATION"] == "redis://redis:6379/3"


def test_smtp_comes_from_email_url():
    production = load_settings("production", documented(EMAIL_URL="smtp+tls://shop:s3cret@smtp.shop.ru:587"))
    assert production.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    assert (production.EMAIL_HOST, production.EMAIL_PORT, production.EMAIL_USE_TLS) == ("smtp.shop.ru", 587, True)
    assert (production.EMAIL_HOST_USER, production.EMAIL_HOST_PASSWORD) == ("shop", "s3cret")


def test_a_mail_sent_with_email_url_arrives_at_the_smtp_server(free_tcp_port):
    # given an SMTP server on 127.0.0.1 and production settings whose only mail setting is EMAIL_URL
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    received = []

    class Handler(Sink):
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_tcp_port)
    controller.start()
    try:
        port = free_tcp_port
        production = load_settings("production", documented(EMAIL_URL=f"smtp://127.0.0.1:{port}"))
        email = {name: getattr(production, name) for name in dir(production) if name.startswith("EMAIL_")}
        # when a mail is sent
        with override_settings(**email):
            mail.send_mail("Код входа", "Ваш код: 123456", "club@shop.ru", ["member@example.com"])
    finally:
        controller.stop()
    # then the server received it
    assert [envelope.rcpt_tos for envelope in received] == [["member@example.com"]]
    assert "123456" in received[0].content.decode()


def test_an_anymail_provider_is_chosen_by_the_environment_and_gets_its_key():
    # given a fake Postmark API on 127.0.0.1
    requests = []

    class FakePostmark(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append((self.path, self.headers["X-Postmark-Server-Token"], json.loads(body)))
            answer = json.dumps({"To": "member@example.com", "MessageID": "m-1", "ErrorCode": 0, "Message": "OK",
                                 "SubmittedAt": "2026-01-01T00:00:00Z"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePostmark)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # and production settings that name the provider and its token only
        production = load_settings("production", documented(
            EMAIL_URL=None, ANYMAIL_PROVIDER="postmark", POSTMARK_SERVER_TOKEN="token-1",
            POSTMARK_API_URL=f"http://127.0.0.1:{server.server_address[1]}/"))
        assert production.EMAIL_BACKEND == "anymail.backends.postmark.EmailBackend"
        # when a mail is sent
        with override_settings(EMAIL_BACKEND=production.EMAIL_BACKEND, ANYMAIL=production.ANYMAIL):
            mail.send_mail("Код входа", "Ваш код: 123456", "club@shop.ru", ["member@example.com"])
    finally:
        server.shutdown()
    # then the provider's API got it with the token from the environment
    [(path, token, payload)] = requests
    assert (path, token, payload["To"]) == ("/email", "token-1", "member@example.com")


def test_an_anymail_provider_without_its_key_does_not_start():
    with pytest.raises(ImproperlyConfigured, match="Set the MAILGUN_API_KEY environment variable"):
        load_settings("production", documented(EMAIL_URL=None, ANYMAIL_PROVIDER="mailgun"))
    with pytest.raises(ImproperlyConfigured, match="ANYMAIL_PROVIDER='pigeon'"):
        load_settings("production", documented(ANYMAIL_PROVIDER="pigeon"))


def test_deploy_checks_are_clean_for_the_documented_environment_and_catch_an_unsafe_one():
    # given the environment .env.example documents, then Django's deployment checks pass without a warning
    clean = deploy_check()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # and with plain http allowed they fail (the gate bites)
    unsafe = deploy_check(SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    assert unsafe.returncode != 0 and "security.W008" in unsafe.stderr + unsafe.stdout, unsafe.stdout + unsafe.stderr


def _python(code: str, **variables) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", **variables}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi", "config.celery"])
def test_servers_and_workers_start_on_production_settings_unless_told_otherwise(module):
    # given no DJANGO_SETTINGS_MODULE and no production environment
    # when the WSGI/ASGI application or the Celery app is loaded
    result = _python(f"import {module}; from django.conf import settings; settings.DEBUG")
    # then the production settings refused to start (they, not the local ones, were chosen)
    assert result.returncode != 0 and "Set the DJANGO_SECRET_KEY environment variable" in result.stderr


def test_manage_py_stays_on_the_local_settings():
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                             "from django.conf import settings; print(settings.SETTINGS_MODULE)"],
                            cwd=ROOT, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert result.stdout.split()[-1] == "config.settings.local", result.stderr


# --- .env.example lists every variable the settings read ---------------------------------------------------

SETTINGS_FILES = sorted((ROOT / "config" / "settings").glob("*.py")) + [ROOT / "gunicorn.conf.py"]
ENV_CALLS = {"env", "_int", "required"}


def literal_reads(path: Path) -> set:
    """Names read in `path` as env(...)/env.<kind>(...)/required(...)/os.environ.get(...)/os.environ[...]."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            if isinstance(func, ast.Name) and func.id in ENV_CALLS:
                names.add(node.args[0].value)
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env":
                names.add(node.args[0].value)
            elif isinstance(func, ast.Attribute) and ast.unparse(func.value) == "os.environ":
                names.add(node.args[0].value)
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            names.add(ast.literal_eval(node.slice))
    return {name for name in names if isinstance(name, str) and re.fullmatch(r"[A-Z][A-Z0-9_]*", name)}


def runtime_reads() -> set:
    """Names django-environ is asked for while the settings modules import, one provider of each kind."""
    reads = set()
    for module in ["local", "test"]:
        load_settings(module, {}, reads)
    production = load_settings("production", documented(), reads)
    for provider, (_, required_keys, _) in production.ANYMAIL_PROVIDERS.items():
        load_settings("production", documented(EMAIL_URL=None, ANYMAIL_PROVIDER=provider,
                                               **{name: "key" for name in required_keys}), reads)
    return reads


def test_env_example_lists_every_variable_the_settings_gunicorn_and_the_procfile_read():
    # given every variable read: literally in the settings and gunicorn.conf.py, at import, and in the Procfile
    literal = set().union(*(literal_reads(path) for path in SETTINGS_FILES))
    procfile = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "Procfile").read_text()))
    read = literal | runtime_reads() | procfile
    # then .env.example lists each one
    _, listed = env_example()
    assert sorted(read - listed) == []
    # (the scan sees what it should: a variable of each source)
    assert {"DJANGO_SECRET_KEY", "GUNICORN_TIMEOUT", "POSTMARK_SERVER_TOKEN", "CELERY_WORKER_CONCURRENCY"} <= read


def test_the_env_example_check_fails_for_an_unlisted_variable(tmp_path):
    # given a settings file that reads a variable .env.example does not list
    settings_file = tmp_path / "extra.py"
    settings_file.write_text('X = env.int("SOMETHING_NEW", default=1)\nY = os.environ.get("ALSO_NEW")\n')
    # then the scan finds both, and neither is listed
    _, listed = env_example()
    assert literal_reads(settings_file) - listed == {"SOMETHING_NEW", "ALSO_NEW"}
