"""Benchmark: the outbox worker sending a stage entry of 50,000 members with every send rule applied.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loyalty_campaigns python bench/outbox.py [--members 50000]

The database must be migrated; the script EMPTIES its members (TRUNCATE … CASCADE) and campaigns first.
It creates the members (mixed consents, preferred channels and time zones, 40 % with a best open hour),
one "At risk" campaign with a 10 % holdout and an email step (name, points and tier in the text), records
the stage entry, plans it (INSERT … SELECT), then runs the worker in one process over the entry day
hour by hour (the clock is fixed per hour, so best hour, quiet hours and caps all apply) until every
message is delivered, deferred past the day or suppressed. Email goes to Django's locmem back end, SMS
and push to the logging back end (log level WARNING, so nothing is printed per message).
"""
import argparse
import datetime as dt
import logging
import multiprocessing
import time
from collections import Counter

from _common import timed  # sets Django up

from django.core import mail  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from campaigns.models import Campaign, CampaignSettings, CampaignStep, OutboxMessage  # noqa: E402
from campaigns.services.outbox import outbox_send_due  # noqa: E402
from campaigns.services.scheduling import campaigns_enter_stage  # noqa: E402
from core.timezones import shop_day_start, shop_today  # noqa: E402
from lifecycle.models import LifecycleStage  # noqa: E402

ZONES = ["Europe/Moscow", "Europe/Moscow", "Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk",
         "Asia/Vladivostok", "Europe/Kaliningrad"]


def create_members(count: int, day: dt.date) -> None:
    zones = "ARRAY[" + ", ".join(f"'{z}'" for z in ZONES) + "]"
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE customers_member, campaigns_campaignentry, campaigns_outboxmessage CASCADE")
        cursor.execute(f"""
            INSERT INTO customers_member (external_id, email, phone, card_number, first_name, last_name, gender,
                region, city, timezone, registered_at, registration_channel, referral_code, personal_data_consent,
                email_consent, sms_consent, push_consent, preferred_channel, attributes, created_at, updated_at)
            SELECT 'B' || i, 'b' || i || '@example.com', '+7900' || lpad(i::text, 7, '0'), '', 'Name' || i, 'Bench',
                   '', '', '', ({zones})[1 + i %% {len(ZONES)}], now() - interval '400 days', 'web', 'R' || i, true,
                   i %% 10 < 8, i %% 10 IN (7, 8), i %% 10 IN (6, 9), (ARRAY['', 'email', 'push', 'sms'])[1 + i %% 4],
                   '{{}}', now(), now()
              FROM generate_series(1, %s) i""", [count])
        cursor.execute("""
            INSERT INTO segments_memberstats (member_id, orders_count, total_spent, points_earned_30d, points_spent_30d,
                redemptions_count, referrals_count, email_opens_count, top_open_hour, preferred_channel)
            SELECT id, 3, 0, 0, 0, 0, 0, 5, 8 + id % 12, '' FROM customers_member WHERE id % 10 < 4""")
        cursor.execute("""
            INSERT INTO lifecycle_stagetransition (member_id, from_stage_id, to_stage_id, occurred_on, created_at,
                completed_orders, days_since_last_purchase)
            SELECT id, NULL, %s, %s, now(), 3, 56 FROM customers_member""",
                       [LifecycleStage.objects.get(slug="at_risk").pk, day])


def create_campaign() -> Campaign:
    Campaign.objects.update(is_active=False)
    Campaign.objects.filter(slug="bench-outbox").delete()
    campaign = Campaign.objects.create(slug="bench-outbox", name="Bench: at risk", trigger="stage_entered",
                                       stage=LifecycleStage.objects.get(slug="at_risk"), holdout_percent=10,
                                       action_window_days=2)
    CampaignStep.objects.create(campaign=campaign, action="message", channel="email", subject_template="We miss you",
                                body_template="Hello {{ first_name }}, you have {{ points }} points"
                                              "{% if tier %} ({{ tier }}){% endif %}. See https://shop.example.com/")
    CampaignSettings.objects.all().delete()
    CampaignSettings.objects.create(max_per_day=1, max_per_week=3, quiet_hours_start=21, quiet_hours_end=9,
                                    default_send_hour=11, channel_order="email,push,sms")
    return campaign


def worker_loop(hours_queue, reports, batch):
    """One worker process: for each simulated hour, send what is due, then report its counts."""
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", CAMPAIGNS_OUTBOX_KICK=False,
                           CAMPAIGNS_CHANNEL_BACKENDS={"email": "campaigns.channels.email.DjangoEmailChannel",
                                                       "sms": "campaigns.channels.simple.LoggingChannel",
                                                       "push": "campaigns.channels.simple.LoggingChannel"}):
        mail.outbox = []
        while (now := hours_queue.get()) is not None:
            report = outbox_send_due(now=now, batch_size=batch, time_budget=3600)
            reports.put(Counter({**report.counts, "emails": len(mail.outbox)}))
            mail.outbox = []


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500, help="Rows claimed per batch (default 500).")
    parser.add_argument("--processes", type=int, default=1, help="Worker processes sharing the outbox (default 1).")
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.WARNING)
    day = shop_today()
    setup_seconds, _ = timed(lambda: create_members(args.members, day))
    campaign = create_campaign()
    plan_seconds, entered = timed(lambda: campaigns_enter_stage(occurred_on=day))
    planned = OutboxMessage.objects.filter(campaign_step__campaign=campaign).count()

    connection.close()  # the worker processes fork from here
    context = multiprocessing.get_context("fork")
    hours_queue, reports = context.Queue(), context.Queue()
    workers = [context.Process(target=worker_loop, args=(hours_queue, reports, args.batch), daemon=True)
               for _ in range(args.processes)]
    [w.start() for w in workers]
    counts, send_seconds, hours = Counter(), 0.0, 0
    start = shop_day_start(day)
    for hour in range(0, 48):  # the entry day and the next, until the 2-day window closes
        now = start + dt.timedelta(hours=hour, minutes=1)
        started = time.monotonic()
        for _ in workers:
            hours_queue.put(now)
        for _ in workers:
            counts.update(reports.get())
        send_seconds += time.monotonic() - started
        hours += 1
        if not OutboxMessage.objects.filter(status__in=["pending", "sending"]).exists():
            break
    for _ in workers:
        hours_queue.put(None)
    emails = counts.pop("emails", 0)
    delivered = counts["delivered"]
    final = Counter(dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id"))))
    print(f"database {connection.settings_dict['NAME']}; members {args.members:,}; set-up {setup_seconds:.1f} s")
    print(f"stage entry: {entered:,} entered, {planned:,} messages planned (10 % held out) in {plan_seconds:.2f} s")
    print(f"worker: {hours} simulated hours, {send_seconds:.1f} s busy; handled {sum(counts.values()):,} "
          f"({dict(counts)}); final states {dict(final)}")
    print(f"delivered {delivered:,} in {send_seconds:.1f} s = {delivered / send_seconds:,.0f} messages/s "
          f"(target >= 500/s); all decisions {sum(counts.values()) / send_seconds:,.0f}/s; "
          f"locmem email outbox {emails:,}; {args.processes} worker process(es)")


if __name__ == "__main__":
    main()
