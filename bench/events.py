"""Benchmark: event ingest through POST /api/v1/events against gunicorn on PostgreSQL, and the time from the API
accepting a `cart_updated` event to its abandoned-cart message being due in the outbox (delay set to zero).

    python bench/events.py [--database loyalty_events_bench] [--members 20000] [--clients 4] [--seconds 20]
                           [--batch 500] [--port 18800] [--redis redis://127.0.0.1:6379/8] [--journey]
                           [--drain 120]

Migrates the database, adds `--members` members set-based if it has fewer, creates a POS key with a raised rate
limit, switches the seeded abandoned-cart campaign on with no delay and no holdout, starts gunicorn (production
settings) and one Celery worker (the queued trigger tasks), then drives batches of `--batch` cart_updated events
for random members from `--clients` keep-alive threads for `--seconds`. Reports events/s, request latency, and
p50/p95/max of (outbox row created − event received) over the run's events. Only talks to 127.0.0.1.
`--journey` measures the seeded abandoned-cart journey instead (the event campaign off): entry, the journey's
advance queued on the entry's commit, its A/B split and the message of the member's variant.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_load import ROOT, django_env, drive, start_server, summary  # noqa: E402


def prepare(args) -> dict:
    env = django_env(args)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    code = f"""
import json
from django.db import connection
from campaigns.models import Campaign, CampaignSettings
from core.api_keys import api_key_create
from core.models import ApiKey
from customers.models import Member
have = Member.objects.count()
if have < {args.members}:
    with connection.cursor() as cursor:
        cursor.execute('''INSERT INTO customers_member (external_id, email, phone, card_number, first_name, last_name,
            gender, region, city, timezone, registered_at, registration_channel, referral_code, personal_data_consent,
            email_consent, sms_consent, push_consent, preferred_channel, attributes, created_at, updated_at)
          SELECT 'EB' || n, 'eb' || n || '@example.com', '', '', 'Имя', '', '', '', '', 'Europe/Moscow', now(), 'web',
                 'EB' || n, true, true, false, false, '', '{{}}', now(), now()
            FROM generate_series(%s::int, %s::int) n ON CONFLICT DO NOTHING''', [have + 1, {args.members}])
key, raw = api_key_create(name="bench/events.py", scopes=["pos"])
ApiKey.objects.filter(pk=key.pk).update(rate_limit=1_000_000)
measured, other = ("journey-abandoned-cart", "event-abandoned-cart") if {args.journey} else (
    "event-abandoned-cart", "journey-abandoned-cart")
Campaign.objects.filter(slug=measured).update(is_active=True, holdout_percent=0, event_delay_seconds=0)
Campaign.objects.filter(slug=other).update(is_active=False)
CampaignSettings.objects.update(quiet_hours_start=0, quiet_hours_end=0, default_send_hour=0)  # any hour of the shop's day
members = list(Member.objects.order_by("?").values_list("external_id", flat=True)[:5000])
print(json.dumps({{"key": raw, "members": members, "member_count": Member.objects.count()}}))
"""
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], env=env, cwd=ROOT, capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def events_request(setup, run_id, n):
    rng = random.Random(n)
    events = [{"id": f"{run_id}-{n}-{i}", "type": "cart_updated", "member": rng.choice(setup["members"]),
               "properties": {"value": rng.randint(100, 9000), "items": [
                   {"sku": f"S{rng.randint(1, 500)}", "name": "Товар", "quantity": rng.randint(1, 3)}]}}
              for i in range(setup["batch"])]
    headers = {"Content-Type": "application/json", "Authorization": f"Api-Key {setup['key']}"}
    return "POST", "/api/v1/events", json.dumps({"events": events}), headers


def trigger_latency(args, run_id) -> str:
    """p50/p95/max seconds from an event's receipt to its campaign message row, over this run's events: measured
    once every event has its message, or once their count stopped growing for 15 s, or after `--drain` seconds
    (the worker is still draining when the load stops; measuring 5 s after it reported 0 of 21,000)."""
    code = f"""
import time
from django.db import connection
MESSAGES = '''SELECT count(*) FROM events_event e JOIN campaigns_campaignentry ce ON ce.occurrence = 'event:' || e.id
                JOIN campaigns_outboxmessage o ON o.entry_id = ce.id WHERE e.event_id LIKE %s'''
start = last_change = time.monotonic()
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM events_event WHERE event_id LIKE %s", ['{run_id}-%'])
    events, seen = cursor.fetchone()[0], -1
    while time.monotonic() - start < {args.drain}:
        cursor.execute(MESSAGES, ['{run_id}-%'])
        have = cursor.fetchone()[0]
        if have != seen:
            seen, last_change = have, time.monotonic()
        if have >= events or (have and time.monotonic() - last_change > 15):
            break
        time.sleep(1)
    waited = time.monotonic() - start
    cursor.execute('''SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY s), percentile_cont(0.95)
                        WITHIN GROUP (ORDER BY s), max(s)
                        FROM (SELECT extract(epoch FROM o.created_at - e.received_at) s
                                FROM events_event e
                                JOIN campaigns_campaignentry ce ON ce.occurrence = 'event:' || e.id
                                JOIN campaigns_outboxmessage o ON o.entry_id = ce.id
                               WHERE e.event_id LIKE %s) x''', ['{run_id}-%'])
    n, p50, p95, top = cursor.fetchone()
print(f"{{events}} events stored; {{n}} messages due ({{waited:.0f}} s after the load stopped); receipt to message "
      f"p50 {{p50 or 0:.2f}} s, p95 {{p95 or 0:.2f}} s, max {{top or 0:.2f}} s")
"""
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", code], env=django_env(args), cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="loyalty_events_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--port", type=int, default=18800)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--drain", type=float, default=120,
                        help="seconds to wait, at most, for the worker to give every event its message")
    parser.add_argument("--journey", action="store_true", help="the seeded abandoned-cart journey, not the campaign")
    args = parser.parse_args()
    setup = prepare(args)
    setup["batch"] = args.batch
    print(f"database {args.database}: {setup['member_count']:,} members; {args.clients} clients, batches of "
          f"{args.batch}, {args.seconds:g} s; gunicorn {args.workers} × {args.threads}; load average before "
          f"{os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs; {'journey' if args.journey else 'event campaign'}")
    server = start_server(args, args.port)
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
                               "--loglevel", "WARNING", "--without-mingle", "--without-gossip", "-Q", "celery"],
                              env=django_env(args), cwd=ROOT)
    try:
        time.sleep(3)
        run_id = uuid.uuid4().hex[:8]
        drive(args.port, lambda s, r, n: events_request(s, f"warm{r}", n), setup, clients=1, seconds=2)
        latencies, statuses, elapsed = drive(args.port, lambda s, r, n: events_request(s, run_id, n), setup,
                                             clients=args.clients, seconds=args.seconds)
        rate, _p95 = summary("POST /events", latencies, statuses, elapsed)
        print(f"events/s {rate * args.batch:,.0f} (batches of {args.batch})")
        print(trigger_latency(args, run_id))
    finally:
        server.terminate()
        worker.terminate()
        for process in (server, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a worker busy with a queue of trigger tasks on a loaded host
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
