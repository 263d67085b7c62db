"""Benchmark: order ingestion through the integration API against gunicorn on PostgreSQL.

    python bench/api_load.py --open-loop 150 [--seconds 60] [--database loyalty_apibench]
    python bench/api_load.py [--database loyalty_apibench] [--clients 16] [--seconds 20]

`--open-loop RATE` offers a fixed arrival rate, as a shop's tills do: new orders and member lookups at RATE
each per second for `--seconds` (60), every request sent at its scheduled time on one of `--connections`
keep-alive connections, and its latency counted from that scheduled time (a server that falls behind is
charged for the queue, not hidden by it). It reports p50/p95/p99 per kind, errors (anything but 2xx, and
failed connections), and the server's CPU per request: the gunicorn workers' and the database's
PostgreSQL backends' user+system time from /proc over the run, divided by the requests. Then each kind alone
at RATE for `--split-seconds` (20) gives the CPU per order and per lookup.

Without `--open-loop`, the closed-loop comparison below.

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
import queue
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
    # gunicorn.conf.py (read from the project folder) with the worker settings given here; no worker is
    # replaced during a run (max requests 0), so /proc sees every worker's CPU from start to end.
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"{HOST}:{port}",
        "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", args.worker_class,
        "--log-level", "warning", "--keep-alive", "30", "--max-requests", "0", "--access-logfile", "/dev/null",
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


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of one process from /proc/<pid>/stat; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15 of proc(5))


def children_of(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == parent:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


class ServerCpu:
    """CPU of the gunicorn workers and of the PostgreSQL backends serving the database (this one excluded)."""

    def __init__(self, server, database):
        import psycopg

        self.server = server
        self.database = database
        self.connection = psycopg.connect(f"postgresql://postgres@{HOST}:5432/{database}", autocommit=True)

    def snapshot(self) -> dict[tuple[str, int], float]:
        backends = [pid for (pid,) in self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'", [self.database])]
        pids = [("gunicorn", pid) for pid in children_of(self.server.pid)] + [("postgres", pid) for pid in backends]
        return {key: cpu for key in pids if (cpu := process_cpu_seconds(key[1])) is not None}

    @staticmethod
    def used(before, after) -> dict[str, float]:
        """CPU seconds used between two snapshots, per side (a backend that connected in between counts whole)."""
        used = {"gunicorn": 0.0, "postgres": 0.0}
        for key, cpu in after.items():
            used[key[0]] += cpu - before.get(key, 0.0)
        return used


KINDS = {"order": order_request, "lookup": lookup_request}


def open_loop(port, setup, *, rates: dict[str, float], seconds: float, connections: int, drain: float = 30):
    """Send each kind at its rate on a fixed schedule for `seconds`; {kind: (latencies, statuses)}, max lag.

    A request's latency runs from its scheduled send time to the end of its response, so time spent waiting
    for a free connection (the server falling behind) counts. Nothing is skipped or retried.
    """
    run_id = uuid.uuid4().hex[:8]
    schedule = sorted((i / rate, kind, i) for kind, rate in rates.items() for i in range(int(rate * seconds)))
    work = queue.Queue()
    lock = threading.Lock()
    results = {kind: ([], {}) for kind in rates}

    def sender():
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        while (item := work.get()) is not None:
            scheduled, kind, n = item
            method, path, body, headers = KINDS[kind](setup, run_id, n)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                connection.close()
            latency = time.perf_counter() - scheduled
            with lock:
                results[kind][0].append(latency)
                results[kind][1][status] = results[kind][1].get(status, 0) + 1
        connection.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    start = time.perf_counter() + 0.2
    max_lag = 0.0
    for offset, kind, n in schedule:
        due = start + offset
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        else:
            max_lag = max(max_lag, -delay)  # the generator itself fell behind its schedule
        work.put((due, kind, n))
    # A saturated server leaves a queue behind: wait for it at most `drain` seconds, then count the rest as errors
    # ("unsent"), so a run stays bounded in time.
    drain_until = time.perf_counter() + drain
    while not work.empty() and time.perf_counter() < drain_until:
        time.sleep(0.05)
    while True:
        try:
            _, kind, _ = work.get_nowait()
        except queue.Empty:
            break
        with lock:
            results[kind][1]["unsent"] = results[kind][1].get("unsent", 0) + 1
    for _ in threads:
        work.put(None)
    for thread in threads:
        thread.join()
    return results, max_lag


def open_loop_summary(name, latencies, statuses, seconds):
    q = statistics.quantiles(latencies, n=100)
    errors = sum(count for status, count in statuses.items() if not (isinstance(status, int) and status < 300))
    print(f"{name:<8} {len(latencies):>6,} requests ({len(latencies) / seconds:6.1f}/s)  p50 {q[49] * 1000:7.1f} ms  "
          f"p95 {q[94] * 1000:7.1f} ms  p99 {q[98] * 1000:7.1f} ms  max {max(latencies) * 1000:7.1f} ms  "
          f"errors {errors}  statuses {dict(sorted(statuses.items(), key=str))}")
    return q[94], q[98], errors


def run_open_loop(args, setup, port, server):
    cpu = ServerCpu(server, args.database)
    rate = args.open_loop
    # Warm-up: every worker thread's connection, prepared statements, the per-process configuration cache.
    open_loop(port, setup, rates={"order": rate / 2, "lookup": rate / 2}, seconds=5, connections=args.connections)
    print(f"\nopen loop: {rate:g} orders/s + {rate:g} lookups/s for {args.seconds:g} s on {args.connections} "
          f"connections (latency from the scheduled send time)")
    before = cpu.snapshot()
    results, lag = open_loop(port, setup, rates={"order": rate, "lookup": rate}, seconds=args.seconds,
                             connections=args.connections)
    used = cpu.used(before, cpu.snapshot())
    verdicts = {kind: open_loop_summary(kind, *results[kind], args.seconds) for kind in results}
    total = sum(len(results[kind][0]) for kind in results)
    print(f"server CPU {used['gunicorn']:.1f} s gunicorn + {used['postgres']:.1f} s PostgreSQL = "
          f"{(used['gunicorn'] + used['postgres']) / total * 1000:.2f} ms per request (both kinds); "
          f"generator lag max {lag * 1000:.0f} ms; load average after {os.getloadavg()[0]:.2f}")
    for kind, (p95, p99, errors) in verdicts.items():
        met = p95 < 0.100 and p99 < 0.250 and errors == 0
        print(f"  {kind}: p95 {p95 * 1000:.1f} ms (< 100), p99 {p99 * 1000:.1f} ms (< 250), errors {errors}: "
              f"{'met' if met else 'NOT met'}")
    if args.split_seconds > 0:
        print(f"\neach kind alone at {rate:g}/s for {args.split_seconds:g} s: server CPU per request")
        for kind, target in (("order", 6.0), ("lookup", 2.5)):
            before = cpu.snapshot()
            alone, _ = open_loop(port, setup, rates={kind: rate}, seconds=args.split_seconds,
                                 connections=args.connections)
            used = cpu.used(before, cpu.snapshot())
            n = len(alone[kind][0])
            per = (used["gunicorn"] + used["postgres"]) / n * 1000
            open_loop_summary(kind, *alone[kind], args.split_seconds)
            print(f"  CPU per {kind}: {used['gunicorn'] / n * 1000:.2f} ms gunicorn + "
                  f"{used['postgres'] / n * 1000:.2f} ms PostgreSQL = {per:.2f} ms (target ≤ {target:g} ms)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="loyalty_apibench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--open-loop", type=float, metavar="RATE",
                        help="fixed arrival rate: RATE orders and RATE lookups per second")
    parser.add_argument("--connections", type=int, default=64, help="open loop: keep-alive connections")
    parser.add_argument("--split-seconds", type=float, default=20,
                        help="open loop: seconds of each kind alone for its CPU per request (0: skip)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=None, help="per phase (default 20; open loop 60)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=6, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"],
                        help="sync: one request at a time per process, no keep-alive")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--no-idempotency-key", action="store_true", help="send orders without the header")
    args = parser.parse_args()
    if args.database == "loyalty_bench":
        raise SystemExit("loyalty_bench belongs to the segments benchmarks; use a database of your own")

    if args.seconds is None:
        args.seconds = 60 if args.open_loop else 20
    setup = prepare(args)
    setup["idempotency_key"] = not args.no_idempotency_key
    load = "open loop" if args.open_loop else f"{args.clients} clients, {args.seconds:g} s per endpoint"
    print(f"database {args.database}: {setup['member_count']:,} members; {load}; gunicorn {args.workers} {args.worker_class} workers"
          f"{f' × {args.threads} threads' if args.worker_class == 'gthread' else ''}; "
          f"load average before {os.getloadavg()[0]:.2f}")
    port = args.port or free_port()
    server = start_server(args, port)
    if args.open_loop:
        try:
            run_open_loop(args, setup, port, server)
        finally:
            server.terminate()
            server.wait(timeout=30)
        return
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
