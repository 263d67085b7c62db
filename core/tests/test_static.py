"""Static files in production: served by the app itself after collectstatic, and no page asks another host."""
import re
from io import BytesIO
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.templatetags.static import static
from django.test import Client, override_settings

from core.deploy_check import ROOT
from core.testing.settings_loader import documented, load_settings

pytestmark = pytest.mark.django_db
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")


@pytest.fixture(scope="module")
def production_static(tmp_path_factory):
    """The production settings' static files and middleware, collected into a temporary STATIC_ROOT."""
    production = load_settings("production", documented())
    overrides = {"DEBUG": False, "STORAGES": production.STORAGES, "MIDDLEWARE": production.MIDDLEWARE,
                 "STATIC_ROOT": tmp_path_factory.mktemp("staticfiles"), "SECURE_SSL_REDIRECT": False,
                 # Brotli over 20 MB of assets takes minutes on a busy machine; the hashing is what is tested.
                 "WHITENOISE_SKIP_COMPRESS_EXTENSIONS": ["css", "js", "map", "svg", "html", "txt", "json", "png",
                                                        "ico", "ttf", "eot", "woff", "woff2", "md"]}
    with override_settings(**overrides):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield production


def wsgi_get(path: str) -> tuple[str, dict, bytes]:
    """GET through a fresh WSGI application, as gunicorn calls it."""
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": BytesIO(b""), "SERVER_NAME": "testserver"}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=dict(headers))

    # As Django's test client does: the test's database connection stays open across the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, start_response)
        body = b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body


def test_the_admin_css_answers_through_the_wsgi_app(production_static):
    # given production settings after collectstatic
    # when the admin's stylesheet is asked for by its plain and its hashed name
    status, headers, body = wsgi_get("/static/admin/css/base.css")
    hashed = static("admin/css/base.css")
    hashed_status, hashed_headers, _ = wsgi_get(hashed)
    # then both answer 200 with CSS; the hashed one may be cached for good
    assert status.startswith("200") and headers["Content-Type"].startswith("text/css") and b"body" in body
    assert re.fullmatch(r"/static/admin/css/base\.[0-9a-f]{12}\.css", hashed)
    assert hashed_status.startswith("200") and "immutable" in hashed_headers["Cache-Control"]


def local_assets_of(html: str) -> list[str]:
    assets = [a or b for a, b in ASSET.findall(html)]
    foreign = [url for url in assets if re.match(r"^(https?:)?//", url.strip())]
    assert foreign == [], foreign
    return [url for url in assets if url.startswith("/static/")]


def test_the_api_docs_load_only_assets_of_the_site(production_static):
    # given production settings after collectstatic
    # when the API docs page is opened
    status, _, body = wsgi_get("/api/docs/")
    html = body.decode()
    # then it names no other host at all (no CDN, no validator badge) ...
    assert status.startswith("200")
    assert re.findall(r"https?://", html) == []
    # ... and Swagger UI's script, styles and icon come from our static files and answer 200
    assets = local_assets_of(html)
    assert any("swagger-ui-bundle" in url for url in assets) and any(url.endswith(".css") for url in assets)
    assert {url: wsgi_get(url)[0][:3] for url in assets} == {url: "200" for url in assets}


def test_admin_portal_and_dashboards_load_only_assets_of_the_site(production_static, admin_user):
    # given production settings after collectstatic, and a staff member signed in
    client = Client()
    client.force_login(admin_user)
    for path in ["/admin/login/", "/admin/", "/admin/dashboards/points/", "/sign-in/"]:
        # when each page is opened
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        # then every script, style and image is ours and answers 200
        assets = local_assets_of(response.content.decode())
        assert assets, path
        assert {url: wsgi_get(url)[0][:3] for url in assets} == {url: "200" for url in assets}, path


def test_no_template_or_stylesheet_of_ours_names_another_host():
    # given every template and every stylesheet and script we wrote (the vendored ECharts is minified)
    files = [path for pattern in ["**/templates/**/*.html", "static/**/*.css", "static/**/*.js"]
             for path in ROOT.glob(pattern) if ".venv" not in path.parts and not path.name.endswith(".min.js")]
    assert len(files) > 10
    # then none loads anything from another host
    foreign = {str(path.relative_to(ROOT)): url for path in files for a, b in ASSET.findall(path.read_text())
               if re.match(r"^(https?:)?//", (url := a or b).strip())}
    assert foreign == {}


def test_the_vendored_charts_library_fetches_nothing():
    # ECharts' only URLs are XML namespaces and its licence
    text = Path(ROOT / "static/dashboards/echarts.min.js").read_text()
    urls = set(re.findall(r"https?://[^\s\"')]+", text))
    assert all(url.startswith(("http://www.w3.org/", "http://www.apache.org/licenses/", "https://github.com/"))
               for url in urls), urls
