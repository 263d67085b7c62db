"""The production smoke test's checks, from outside the processes `.ci/smoke` started (it passes the options).

Each check waits for its result with a deadline (never a fixed sleep) and fails with what it saw:
- the admin login in headless Chromium: every request to the site itself and answered below 400, its CSS 200
  and applied (the admin's custom properties are defined, the body's default margin is gone);
- /api/docs/ renders the operations from the self-hosted Swagger UI and asks no other host;
- /health/ready is 200 (database, cache, broker, beat's heartbeat, outbox);
- a POS order through the API earns points, and the member lookup shows them pending;
- a sign-in code requested through the members' API arrives at the SMTP server and signs the member in.
Screenshots go to --artifacts. Standard library and Playwright only: it does not import the project.
"""
import argparse
import json
import mailbox
import re
import shutil
import sys
import time
import urllib.error
import urllib.request
import uuid
from email.header import decode_header, make_header
from pathlib import Path
from urllib.parse import quote, urlsplit

CHROMIUM = "/usr/bin/chromium"


class SmokeFailure(Exception):
    pass


def call(base_url, method, path, *, body=None, headers=None, timeout=15):
    """(status, parsed JSON or text) of one request."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, method=method, headers={
        **({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")[:500]


def until(what, deadline, probe, *, every=0.5):
    """probe() until it returns something true; SmokeFailure naming what and the last value at the deadline."""
    last = None
    while True:
        last = probe()
        if last and last[0]:
            return last
        if time.monotonic() >= deadline:
            raise SmokeFailure(f"{what}: not within the time left; last seen {last!r}")
        time.sleep(every)


class Browser:
    def __init__(self, artifacts: Path):
        from playwright.sync_api import sync_playwright

        executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        if executable is None:
            raise SmokeFailure("no Chromium (Debian's chromium package; .ci/run installs it)")
        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(executable_path=executable, headless=True,
                                                        args=["--no-sandbox", "--disable-dev-shm-usage"])
        self.artifacts = artifacts

    def visit(self, base_url, path, *, ready_selector, screenshot, full_page=True):
        """Open a page; return (the page, [(url, status or None, resource type)] of every request it made)."""
        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        page = context.new_page()
        seen = {}
        page.on("request", lambda request: seen.setdefault(request.url, [None, request.resource_type]))
        page.on("response", lambda response: seen.setdefault(response.url, [None, ""]).__setitem__(0, response.status))
        page.on("requestfailed", lambda request: seen.setdefault(request.url, [None, ""]).__setitem__(0, "failed"))
        page.goto(base_url + path, wait_until="networkidle", timeout=30_000)
        page.wait_for_selector(ready_selector, timeout=15_000)
        page.screenshot(path=str(self.artifacts / screenshot), full_page=full_page)
        return page, [(url, status, kind) for url, (status, kind) in seen.items()]

    def close(self):
        self.browser.close()
        self._playwright.stop()


def only_this_site(base_url, requests, page_name):
    origin = urlsplit(base_url).netloc
    elsewhere = [url for url, _, _ in requests if not url.startswith("data:") and urlsplit(url).netloc != origin]
    if elsewhere:
        raise SmokeFailure(f"{page_name} asked other hosts: {elsewhere}")
    failed = [(url, status) for url, status, _ in requests
              if not url.startswith("data:") and (status is None or status == "failed" or status >= 400)]
    if failed:
        raise SmokeFailure(f"{page_name}: requests that did not succeed: {failed}")


def check_admin_login(browser, base_url):
    page, requests = browser.visit(base_url, "/admin/login/", ready_selector="form#login-form",
                                   screenshot="admin-login.png")
    only_this_site(base_url, requests, "the admin login")
    stylesheets = [(url, status) for url, status, kind in requests if kind == "stylesheet"]
    if not stylesheets or any(status != 200 for _, status in stylesheets):
        raise SmokeFailure(f"the admin login's CSS did not answer 200: {stylesheets}")
    # base.css defines the admin's colours as custom properties and zeroes the body's margin (Chromium: 8px).
    primary, margin = page.evaluate("""() => [
        getComputedStyle(document.documentElement).getPropertyValue('--primary').trim(),
        getComputedStyle(document.body).marginTop]""")
    if not primary or margin != "0px":
        raise SmokeFailure(f"the admin's CSS is not applied (--primary {primary!r}, body margin {margin})")
    page.context.close()
    return f"{len(stylesheets)} stylesheets 200 and applied (--primary {primary})"


def check_api_docs(browser, base_url):
    page, requests = browser.visit(base_url, "/api/docs/", ready_selector=".swagger-ui .opblock",
                                   screenshot="api-docs.png", full_page=False)
    only_this_site(base_url, requests, "/api/docs/")
    operations = page.locator(".swagger-ui .opblock").count()
    page.context.close()
    return f"{operations} operations rendered, {len(requests)} requests, all to the site itself"


def check_ready(base_url, deadline):
    def probe():
        status, body = call(base_url, "GET", "/health/ready")
        return status == 200, status, body

    _, status, body = until("/health/ready answering 200", deadline, probe)
    return f"{status} {json.dumps(body, ensure_ascii=False)}"


def check_order_earns(base_url, setup):
    auth = {"Authorization": f"Api-Key {setup['api_key']}"}
    order = {"external_id": f"smoke-{uuid.uuid4().hex[:12]}", "member": setup["member"], "status": "completed",
             "total": "1500.00", "currency": "RUB", "channel": "store", "store": "smoke",
             "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "lines": [{"sku": "SMOKE-1", "name": "Smoke test item", "quantity": "3", "unit_price": "500.00"}]}
    status, body = call(base_url, "POST", "/api/v1/orders", body=order,
                        headers={**auth, "Idempotency-Key": str(uuid.uuid4())})
    if status != 201 or not isinstance(body, dict) or not body.get("points_earned"):
        raise SmokeFailure(f"POST /api/v1/orders: expected 201 with points earned, got {status} {body}")
    status, member = call(base_url, "GET", f"/api/v1/members/lookup?email={quote(setup['email'])}", headers=auth)
    if status != 200 or member.get("points_pending") != body["points_earned"]:
        raise SmokeFailure(f"lookup after the order: expected {body['points_earned']} pending, got {status} {member}")
    return f"order {order['external_id']} earned {body['points_earned']} points, pending on the member"


def _code_in(maildir: Path, to: str):
    for message in mailbox.Maildir(maildir, create=False):
        if to not in str(message.get("To", "")):
            continue
        # Plain text, or every text part of a multipart mail (a text and an HTML alternative), transfer-decoded.
        text = "\n".join(
            (part.get_payload(decode=True) or b"").decode(part.get_content_charset() or "utf-8", "replace")
            for part in message.walk() if part.get_content_type() == "text/plain")
        match = re.search(r"\b(\d{6})\b", text)
        return True, match.group(1) if match else None, str(make_header(decode_header(message["Subject"] or "")))
    return False, None, None


def check_sign_in_code(base_url, setup, maildir: Path, deadline):
    status, body = call(base_url, "POST", "/api/v1/auth/code", body={"login": setup["email"]})
    if status != 202:
        raise SmokeFailure(f"POST /api/v1/auth/code: expected 202, got {status} {body}")
    _, code, subject = until(f"an email to {setup['email']} at the SMTP server", deadline,
                             lambda: _code_in(maildir, setup["email"]))
    if code is None:
        raise SmokeFailure(f"the email {subject!r} arrived without a 6-digit code")
    status, body = call(base_url, "POST", "/api/v1/auth/code/verify", body={"login": setup["email"], "code": code})
    if status != 200 or not body.get("token"):
        raise SmokeFailure(f"the mailed code does not sign in: {status} {body}")
    return f"mail {subject!r} arrived by SMTP and its code signs the member in"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--maildir", type=Path, required=True)
    parser.add_argument("--setup", type=Path, required=True, help="JSON: api_key, member, email")
    parser.add_argument("--artifacts", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=90, help="time left for all checks")
    args = parser.parse_args()
    deadline = time.monotonic() + args.seconds
    setup = json.loads(args.setup.read_text())
    args.artifacts.mkdir(parents=True, exist_ok=True)

    results = []

    def run(name, check, *check_args):
        started = time.monotonic()
        outcome = check(*check_args)
        results.append(name)
        print(f"ok   {name} ({time.monotonic() - started:.1f} s): {outcome}", flush=True)

    browser = Browser(args.artifacts)
    try:
        run("admin login styled", check_admin_login, browser, args.base_url)
        run("API docs self-hosted", check_api_docs, browser, args.base_url)
    finally:
        browser.close()
    run("POS order earns points", check_order_earns, args.base_url, setup)
    run("sign-in code by SMTP", check_sign_in_code, args.base_url, setup, args.maildir, deadline)
    run("/health/ready", check_ready, args.base_url, deadline)
    print(f"all {len(results)} checks passed; screenshots in {args.artifacts}")


if __name__ == "__main__":
    try:
        main()
    except SmokeFailure as failure:
        print(f"FAIL {failure}", file=sys.stderr)
        sys.exit(1)
