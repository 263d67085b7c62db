"""Benchmark: order ingestion through the integration API against gunicorn on PostgreSQL.

    python bench/api_load.py [--database loyalty_apibench] [--clients 16] [--seconds 20]

Needs a demo database (`generate_demo_data --members 100000` into `loyalty_apibench`); the script
migrates it, creates a POS API key with a raised rate limit, starts gunicorn on 127.0.0.1 with the
production settings (persistent connections, the rate-limit cache on Redis), and then, with the same
server, drives the trivial `GET /health/`, `POST /api/v1/orders` (a new order for a random demo
member each time, 1–3 lines, with an Idempotency-Key) and, for scale, `GET /api/v1/members/lookup`
(an authenticated read through the same stack) from `--clients` keep-alive client threads for
`--seconds` each. It reports throughput and p50/p95/p99 latency for both and the ratio; bounded in
time and requests, and only ever talks to 127.0.0.1.
"""
import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
MAX_REQUESTS_PER_PHASE = 200_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def django_env(args) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{args.database}",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "bench-only",
        "CELERY_BROKER_URL": args.redis,
        "CACHE_URL": args.redis,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "EMAIL_URL": "consolemail://",
        "SECURE_SSL_REDIRECT": "false",  # plain http on 127.0.0.1, no proxy in front
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }


def prepare(args) -> dict:
    """Migrate, create the bench key and pick members and products, in a child process (its own settings)."""
    env = django_env(args)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    code = """
import json, random
from core.api_keys import api_key_create
from core.models import ApiKey
from customers.models import Member
from decimal import Decimal
from loyalty.models import EarningRule, Product
# The demo data has no programme: give it a base rate so every order really earns (1 point per 10 RUB).
if not EarningRule.objects.filter(kind="base", active=True).exists():
    EarningRule.objects.create(name="Base rate (bench)", kind="base", points_per_unit=Decimal("0.1"))
key, raw = api_key_create(name="bench/api_load.py", scopes=["pos"])
ApiKey.objects.filter(pk=key.pk).update(rate_limit=1_000_000)
n = Member.objects.count()
members = list(Member.objects.order_by("?").values_list("external_id", flat=True)[:5000])
cards = list(Member.objects.exclude(card_number="").order_by("?").values_list("card_number", flat=True)[:5000])
skus = list(Product.objects.values_list("sku", flat=True)[:500])
print(json.dumps({"key": raw, "members": members, "cards": cards, "skus": skus, "member_count": n}))
"""
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], check=True, env=env, cwd=ROOT,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def start_server(args, port):
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"{HOST}:{port}",
        "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", args.worker_class,
        "--log-level", "warning", "--keep-alive", "30",
    ]
    server = subprocess.Popen(command, env=django_env(args), cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/health/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /health/ within 30 s")


def order_request(setup, run_id, n):
    rng = random.Random(n)
    lines = [
        {"sku": sku, "quantity": str(rng.randint(1, 3)), "unit_price": f"{rng.randint(100, 5000)}.00"}
        for sku in rng.sample(setup["skus"], rng.randint(1, 3))
    ]
    total = sum(int(line["quantity"]) * float(line["unit_price"]) for line in lines)
    body = {
        "external_id": f"bench-{run_id}-{n}", "member": rng.choice(setup["members"]), "status": "completed",
        "created_at": "2026-11-20T12:00:00Z", "total": f"{total:.2f}", "currency": "RUB", "channel": "store",
        "store": "bench", "lines": lines,
    }
    headers = {"Content-Type": "application/json", "Authorization": f"Api-Key {setup['key']}"}
    if setup["idempotency_key"]:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    return "POST", "/api/v1/orders", json.dumps(body), headers


def health_request(setup, run_id, n):
    return "GET", "/health/", None, {}


def lookup_request(setup, run_id, n):
    """A read through the same stack as an order (API key, rate limit, DRF), without the write."""
    card = random.Random(n).choice(setup["cards"])
    return "GET", f"/api/v1/members/lookup?card={card}", None, {"Authorization": f"Api-Key {setup['key']}"}


def drive(port, make_request, setup, *, clients, seconds):
    """Run `clients` keep-alive threads for `seconds`; return (latencies in s, status counts, elapsed)."""
    run_id = uuid.uuid4().hex[:8]
    counter = iter(range(MAX_REQUESTS_PER_PHASE))
    lock = threading.Lock()
    latencies, statuses = [], {}
    deadline = time.monotonic() + seconds

    def client():
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        mine, codes = [], {}
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            method, path, body, headers = make_request(setup, run_id, n)
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            codes[response.status] = codes.get(response.status, 0) + 1
        connection.close()
        with lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.monotonic() - started


def summary(name, latencies, statuses, elapsed):
    q = statistics.quantiles(latencies, n=100)
    rate = len(latencies) / elapsed
    print(f"{name:<16} {len(latencies):>7,} requests  {rate:>7.1f} req/s  p50 {q[49] * 1000:6.1f} ms  "
          f"p95 {q[94] * 1000:6.1f} ms  p99 {q[98] * 1000:6.1f} ms  statuses {dict(sorted(statuses.items()))}")
    return rate, q[94]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="loyalty_apibench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=6, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"],
                        help="sync: one request at a time per process, no keep-alive")
    parser.add_argument("--no-idempotency-key", action="store_true", help="send orders without the header")
    args = parser.parse_args()
    if args.database == "loyalty_bench":
        raise SystemExit("loyalty_bench belongs to the segments benchmarks; use a database of your own")

    setup = prepare(args)
    setup["idempotency_key"] = not args.no_idempotency_key
    print(f"database {args.database}: {setup['member_count']:,} members; {args.clients} clients, "
          f"{args.seconds:g} s per endpoint; gunicorn {args.workers} {args.worker_class} workers"
          f"{f' × {args.threads} threads' if args.worker_class == 'gthread' else ''}; "
          f"load average before {os.getloadavg()[0]:.2f}")
    port = free_port()
    server = start_server(args, port)
    try:
        drive(port, health_request, setup, clients=args.clients, seconds=2)  # warm-up: connections, imports
        drive(port, order_request, setup, clients=args.clients, seconds=2)
        trivial = summary("GET /health/", *drive(port, health_request, setup, clients=args.clients, seconds=args.seconds))
        orders = summary("POST /orders", *drive(port, order_request, setup, clients=args.clients, seconds=args.seconds))
        lookups = summary("GET lookup", *drive(port, lookup_request, setup, clients=args.clients, seconds=args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=30)
    ratio = orders[0] / trivial[0]
    print(f"orders / trivial throughput: {ratio:.0%} (target ≥ 40%); orders p95 {orders[1] * 1000:.1f} ms "
          f"(target < 100 ms); load average after {os.getloadavg()[0]:.2f}")
    print(f"for scale, an authenticated read through the same stack (member lookup by card): "
          f"{lookups[0] / trivial[0]:.0%} of the trivial endpoint, p95 {lookups[1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
