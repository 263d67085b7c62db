"""CPU per request of the integration API's order and lookup paths, in one process, with an optional profile.

    python bench/order_cpu.py [--database loyalty_apibench] [--requests 500] [--profile order|lookup]
    python bench/order_cpu.py --history 2000     # an order for a member with 2,000 earlier orders vs a new one

Django's test client calls the production stack (config.settings.production: middleware, API-key auth, the
per-key rate limit in Redis, idempotency keys, DRF) in this process against the database, so the figures
leave out gunicorn and HTTP but also the noise of a shared machine's scheduling: Python CPU is this process's
`time.process_time()`, PostgreSQL CPU its backend's from /proc. Every order is new (1–3 lines, a random demo
member, an Idempotency-Key), as in bench/api_load.py. `--profile` prints cProfile's top functions for one kind.

`--statements order|lookup` lists each SQL statement of one kind with its PostgreSQL CPU per call, from the
backend's /proc/<pid>/schedstat (nanoseconds on a CPU) read before and after each statement, grouped by its text
(COMMIT included: the deferred foreign-key checks run in it).

`--history N` gives one fresh member N earlier completed orders (with their ledger entries and lots, written in
bulk), then alternates new orders for that member and for a fresh member without orders, and prints the
CPU of each (the capacity target: at most 1.2× for the long history). It deletes nothing it wrote, except
with `--tiers`: two tiers above everyone (so every order runs the tier qualification) for the run only.
"""
import argparse
import cProfile
import os
import pstats
import random
import re
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def configure(args):
    os.environ.update({
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "bench-only",
        "CELERY_BROKER_URL": args.redis,
        "CACHE_URL": args.redis,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "EMAIL_URL": "consolemail://",
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    })
    import django

    django.setup()


def backend_cpu_ns(pid: int) -> int:
    """Nanoseconds the process has run on a CPU (schedstat: finer than /proc/<pid>/stat's clock ticks)."""
    with open(f"/proc/{pid}/schedstat") as schedstat:
        return int(schedstat.read().split()[0])


SAVEPOINT_ID = re.compile(r'"s\d+_x\d+"')


class StatementCpu:
    """A database execute wrapper: PostgreSQL CPU and Python wall time per statement text."""

    def __init__(self, backend: int):
        self.backend = backend
        self.by_sql: dict[str, list] = {}  # sql -> [calls, backend ns, client wall ns]

    def __call__(self, execute, sql, params, many, context):
        before, started = backend_cpu_ns(self.backend), time.perf_counter_ns()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter_ns() - started
            row = self.by_sql.setdefault(SAVEPOINT_ID.sub("s…", sql), [0, 0, 0])
            row[0] += 1
            row[1] += backend_cpu_ns(self.backend) - before
            row[2] += elapsed

    def report(self, requests: int, backend_ms: float):
        rows = sorted(self.by_sql.items(), key=lambda item: -item[1][1])
        total = sum(row[1] for _, row in rows)
        print(f"{'per request':>11} {'calls':>6} {'PG µs/call':>10} {'wall µs/call':>12}  statement")
        for sql, (calls, backend, wall) in rows:
            text = " ".join(sql.split())
            print(f"{backend / requests / 1000:8.0f} µs {calls / requests:6.2f} {backend / calls / 1000:10.0f} "
                  f"{wall / calls / 1000:12.0f}  {text[:150]}")
        print(f"PostgreSQL CPU: {total / requests / 1e6:.2f} ms per request in these statements, "
              f"{backend_ms:.2f} ms in all (the rest: work after a reply that the next statement did not catch)")


def backend_cpu_seconds(pid: int) -> float:
    return backend_cpu_ns(pid) / 1e9


class Bench:
    def __init__(self, args):
        from decimal import Decimal

        from django.db import connection
        from django.test import Client

        from core.api_keys import api_key_create
        from core.models import ApiKey
        from customers.models import Member
        from loyalty.models import EarningRule, Product

        if not EarningRule.objects.filter(kind="base", active=True).exists():
            EarningRule.objects.create(name="Base rate (bench)", kind="base", points_per_unit=Decimal("0.1"))
        key, raw = api_key_create(name="bench/order_cpu.py", scopes=["pos"])
        ApiKey.objects.filter(pk=key.pk).update(rate_limit=1_000_000)
        self.members = list(Member.objects.order_by("?").values_list("external_id", flat=True)[:5000])
        self.cards = list(Member.objects.exclude(card_number="").order_by("?").values_list("card_number", flat=True)[:5000])
        self.skus = list(Product.objects.values_list("sku", flat=True)[:500])
        self.client = Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        self.run_id = uuid.uuid4().hex[:8]
        self.n = 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = cursor.fetchone()[0]

    def order(self, member=None):
        self.n += 1
        rng = random.Random(self.n)
        lines = [{"sku": sku, "quantity": str(rng.randint(1, 3)), "unit_price": f"{rng.randint(100, 5000)}.00"}
                 for sku in rng.sample(self.skus, rng.randint(1, 3))]
        total = sum(int(line["quantity"]) * float(line["unit_price"]) for line in lines)
        body = {"external_id": f"cpu-{self.run_id}-{self.n}", "member": member or rng.choice(self.members),
                "status": "completed", "created_at": "2026-11-20T12:00:00Z", "total": f"{total:.2f}",
                "currency": "RUB", "channel": "store", "store": "bench", "lines": lines}
        response = self.client.post("/api/v1/orders", body, content_type="application/json",
                                    HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        assert response.status_code == 201, response.content

    def lookup(self):
        self.n += 1
        card = random.Random(self.n).choice(self.cards)
        response = self.client.get(f"/api/v1/members/lookup?card={card}")
        assert response.status_code == 200, response.content

    def measure(self, request, count, profile=None):
        """(Python ms, PostgreSQL ms) per request over `count` calls of `request`."""
        python, database = time.process_time(), backend_cpu_seconds(self.backend)
        if profile:
            profile.enable()
        for _ in range(count):
            request()
        if profile:
            profile.disable()
        return ((time.process_time() - python) / count * 1000,
                (backend_cpu_seconds(self.backend) - database) / count * 1000)


def member_with_history(orders: int) -> str:
    """A new member with `orders` earlier completed orders, their earn entries and lots; its external id."""
    import datetime as dt
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from customers.models import Member
    from loyalty.models import LedgerEntry, MemberAccount, Order, PointsLot

    now = timezone.now()
    with transaction.atomic():
        member = Member.objects.create(external_id=f"hist-{uuid.uuid4().hex[:10]}", registered_at=now)
        made = Order.objects.bulk_create([
            Order(external_id=f"{member.external_id}-{n}", member=member, total=Decimal("1000"), status="completed",
                  created_at=now - dt.timedelta(hours=4 * n), earned_at=now - dt.timedelta(hours=4 * n))
            for n in range(1, orders + 1)])
        entries = LedgerEntry.objects.bulk_create([
            LedgerEntry(member=member, kind="earn", bucket="available", points=100, created_at=order.created_at,
                        order=order, cause_key=f"order:{order.pk}:earn") for order in made])
        PointsLot.objects.bulk_create([
            PointsLot(member=member, entry=entry, order=entry.order, points=100, remaining=100, state="available",
                      available_on=entry.created_at.date()) for entry in entries])
        MemberAccount.objects.create(member=member, available_points=100 * orders)
    return member.external_id


def new_member() -> str:
    from django.utils import timezone

    from customers.models import Member
    from loyalty.models import MemberAccount

    member = Member.objects.create(external_id=f"new-{uuid.uuid4().hex[:10]}", registered_at=timezone.now())
    MemberAccount.objects.create(member=member)
    return member.external_id


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="loyalty_apibench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--requests", type=int, default=500, help="per kind, after 50 of each to warm up")
    parser.add_argument("--profile", choices=["order", "lookup"])
    parser.add_argument("--history", type=int, default=0, metavar="N")
    parser.add_argument("--statements", choices=["order", "lookup"], help="PostgreSQL CPU per SQL statement")
    parser.add_argument("--profile-out", metavar="FILE", help="with --profile: also save the stats for pstats")
    parser.add_argument("--tiers", action="store_true", help="two tiers above everyone during the run (removed after)")
    args = parser.parse_args()
    if args.database == "loyalty_bench":
        raise SystemExit("loyalty_bench belongs to the segments benchmarks; use a database of your own")
    configure(args)
    if args.tiers:
        from decimal import Decimal

        from loyalty.models import Tier

        made = [Tier.objects.create(slug=f"bench-{rank}-{uuid.uuid4().hex[:6]}", name=f"Bench {rank}", rank=rank,
                                    threshold=Decimal(10**8) * (rank - 900)) for rank in (901, 902)]
        try:
            run(args)
        finally:  # no tier left behind for bench/api_load.py's runs
            from loyalty.models import MemberAccount

            MemberAccount.objects.filter(tier__in=made).update(tier=None)
            Tier.objects.filter(pk__in=[tier.pk for tier in made]).delete()
        return
    run(args)


def run(args):
    bench = Bench(args)
    bench.measure(bench.order, 50)
    bench.measure(bench.lookup, 50)
    print(f"database {args.database}; {args.requests} requests per kind; load average {os.getloadavg()[0]:.2f}")
    if args.history:
        veteran, rounds = member_with_history(args.history), 5
        totals = {"new member": [0.0, 0.0], f"{args.history} earlier orders": [0.0, 0.0]}
        per_round = max(args.requests // (2 * rounds), 1)
        for _ in range(rounds):  # alternating, so drifting load on the machine hits both alike
            for name, member in (("new member", new_member()), (f"{args.history} earlier orders", veteran)):
                python, database = bench.measure(lambda member=member: bench.order(member), per_round)
                totals[name][0] += python / rounds
                totals[name][1] += database / rounds
        for name, (python, database) in totals.items():
            print(f"order, {name:<20} Python {python:6.2f} ms + PostgreSQL {database:5.2f} ms = "
                  f"{python + database:6.2f} ms")
        base, long = (sum(values) for values in totals.values())
        print(f"ratio {long / base:.2f} (target ≤ 1.2)")
        return
    if args.statements:
        from django.db import connection

        statements = StatementCpu(bench.backend)
        commit = connection._commit  # Django commits outside cursors: attribute it to a "COMMIT" row

        def timed_commit():
            return statements(lambda *args: commit(), "COMMIT", None, False, None)

        connection._commit = timed_commit
        with connection.execute_wrapper(statements):
            _, backend_ms = bench.measure(getattr(bench, args.statements), args.requests)
        statements.report(args.requests, backend_ms)
        return
    profile = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
    for kind in ("order", "lookup"):
        python, database = bench.measure(getattr(bench, kind), args.requests,
                                         profile if args.profile == kind else None)
        print(f"{kind:<7} Python {python:6.2f} ms + PostgreSQL {database:5.2f} ms = {python + database:6.2f} ms "
              f"CPU per request")
    if profile:
        if args.profile_out:
            profile.dump_stats(args.profile_out)
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main()
