"""Benchmark: the outbox worker sending a stage entry of 50,000 members with every send rule applied.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loyalty_campaigns python bench/outbox.py [--members 50000]

The database must be migrated; the script EMPTIES its members (TRUNCATE … CASCADE) and campaigns first.
It creates the members (mixed consents, preferred channels and time zones, 40 % with a best open hour),
one "At risk" campaign with a 10 % holdout and an email step (name, points and tier in the text), records
the stage entry, plans it (INSERT … SELECT), then runs the worker in one process over the entry day
hour by hour (the clock is fixed per hour, so best hour, quiet hours and caps all apply) until every
message is delivered, deferred past the day or suppressed. Email goes to Django's locmem back end, SMS
and push to the logging back end (log level WARNING, so nothing is printed per message).

    ... python bench/outbox.py --providers fake-http [--channel push]

sends through the real back ends instead, each message an HTTP round trip (SMTP for email) to local fake
servers this script starts, each in a process of its own (a provider is another host: its CPU is not the
worker's): email by SMTP to an aiosmtpd sink, SMS through the SMS.ru adapter, push through FCM HTTP v1
(Android) and APNs over HTTP/2 (iOS) to every device of the member (push-consented members get an Android
phone, every third an iPhone too). The step has all three variants; --channel is the step's channel (the
rest fall back by consent).

Each worker process sends with CAMPAIGNS_OUTBOX_SEND_THREADS lanes (4 unless set in the environment; 1 is the
sequential send). The worker runs as production runs it, with DEBUG off (DJANGO_DEBUG=false unless set: no query log, no
template debug). It prints the CPU seconds per delivered message of the worker(s) and of the fakes, and with
--profile PATH the worker's cProfile function calls per delivered message: on a shared, loaded host the
rate varies several-fold with the load, the call count does not.
"""
import argparse
import datetime as dt
import logging
import multiprocessing
import os
import time
from collections import Counter

os.environ.setdefault("DJANGO_DEBUG", "false")  # a worker as production runs it: no query log, no template debug
from _common import timed  # noqa: E402 (sets Django up)

from django.conf import settings  # noqa: E402
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


def create_devices() -> None:
    """An Android phone for each push-consented member, an iPhone too for every third."""
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO messaging_device (member_id, platform, push_token, created_at, updated_at)
            SELECT id, 'android', 'fcm-' || id, now(), now() FROM customers_member WHERE push_consent
            UNION ALL
            SELECT id, 'ios', 'apns-' || id, now(), now() FROM customers_member WHERE push_consent AND id % 3 = 0""")


def create_campaign(channel: str = "email") -> Campaign:
    Campaign.objects.update(is_active=False)
    Campaign.objects.filter(slug="bench-outbox").delete()
    campaign = Campaign.objects.create(slug="bench-outbox", name="Bench: at risk", trigger="stage_entered",
                                       stage=LifecycleStage.objects.get(slug="at_risk"), holdout_percent=10,
                                       action_window_days=2)
    text = "Hello {{ first_name }}, you have {{ points }} points{% if tier %} ({{ tier }}){% endif %}."
    CampaignStep.objects.create(campaign=campaign, action="message", channel=channel, subject_template="We miss you",
                                body_template=text + " See https://shop.example.com/", sms_template=text,
                                push_title_template="We miss you", push_body_template=text,
                                push_link="shop://offers")
    CampaignSettings.objects.all().delete()
    CampaignSettings.objects.create(max_per_day=1, max_per_week=3, quiet_hours_start=21, quiet_hours_end=9,
                                    default_send_hour=11, channel_order="email,push,sms")
    return campaign


def _serve_fake(kind: str, pipe) -> None:
    """A child process that runs one provider fake (a provider is another host: its CPU is not the worker's),
    sends back the settings pointing at it, serves until told to stop, then reports its CPU seconds."""
    import json
    import socket

    if kind == "smtp":
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Sink

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        Controller(Sink(), hostname="127.0.0.1", port=port).start()
        config = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
                  "EMAIL_PORT": port, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False, "EMAIL_HOST_USER": "",
                  "EMAIL_HOST_PASSWORD": ""}
    elif kind == "smsru":
        from messaging.tests.fake_providers import SMSRU_API_ID, FakeProviders

        sms = FakeProviders().start()
        config = {"MESSAGING_SMS_PROVIDER": "smsru", "SMSRU_API_URL": sms.url, "SMSRU_API_ID": SMSRU_API_ID,
                  "MESSAGING_SMS_SENDER": "Shop"}
    elif kind == "fcm":
        from messaging.tests.fake_push import FakeFcm

        fcm = FakeFcm().start()
        config = {"FCM_CREDENTIALS": json.dumps(fcm.service_account()), "FCM_PROJECT_ID": "", "FCM_API_URL": fcm.url}
    else:
        from messaging.tests.fake_push import APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC, FakeApns

        apns = FakeApns().start()
        config = {"APNS_KEY": apns.signing_key, "APNS_KEY_ID": APNS_KEY_ID, "APNS_TEAM_ID": APNS_TEAM_ID,
                  "APNS_TOPIC": APNS_TOPIC, "APNS_API_URL": apns.url}
    pipe.send(config)
    pipe.recv()  # stop
    times = os.times()
    pipe.send(times.user + times.system)


class FakeHttpProviders:
    """The fake SMTP, SMS.ru, FCM and APNs servers, each in a process of its own (forked before any worker)."""

    KINDS = ("smtp", "smsru", "fcm", "apns")

    def __init__(self, context):
        self.pipes, self.processes = [], []
        for kind in self.KINDS:
            parent, child = context.Pipe()
            process = context.Process(target=_serve_fake, args=(kind, child), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)
        self.settings = {
            "CAMPAIGNS_CHANNEL_BACKENDS": {"email": "campaigns.channels.email.DjangoEmailChannel",
                                           "sms": "campaigns.channels.sms.GatewaySmsChannel",
                                           "push": "campaigns.channels.push.ProviderPushChannel"},
            "MESSAGING_PUSH_PROVIDERS": {"android": "fcm", "ios": "apns", "web": "fcm"},
        }
        for pipe in self.pipes:
            self.settings.update(pipe.recv())

    def stop(self) -> float:
        """Stop every fake; their CPU seconds in all."""
        for pipe in self.pipes:
            pipe.send("stop")
        seconds = sum(pipe.recv() for pipe in self.pipes)
        for process in self.processes:
            process.join(timeout=10)
        return seconds


LOGGING_CHANNELS = {
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "CAMPAIGNS_CHANNEL_BACKENDS": {"email": "campaigns.channels.email.DjangoEmailChannel",
                                   "sms": "campaigns.channels.simple.LoggingChannel",
                                   "push": "campaigns.channels.simple.LoggingChannel"},
}


def worker_loop(hours_queue, reports, batch, channel_settings, profile_path=""):
    """One worker process: for each simulated hour, send what is due, then report its counts; at the end its
    CPU seconds (and, with a profile path, the file of its profile while sending)."""
    profiler = None
    if profile_path:
        import cProfile

        profiler = cProfile.Profile()
    with override_settings(CAMPAIGNS_OUTBOX_KICK=False, **channel_settings):
        mail.outbox = []
        while (now := hours_queue.get()) is not None:
            if profiler is not None:
                profiler.enable()
            report = outbox_send_due(now=now, batch_size=batch, time_budget=3600)
            if profiler is not None:
                profiler.disable()
            reports.put(Counter({**report.counts, "emails": len(mail.outbox)}))
            mail.outbox = []
    path = ""
    if profiler is not None:
        path = f"{profile_path}.{os.getpid()}"
        profiler.dump_stats(path)
    times = os.times()
    reports.put((times.user + times.system, path))


def _next_report(reports, workers):
    """The next worker report; stops the run when a worker died instead of waiting for it forever."""
    import queue

    while True:
        try:
            return reports.get(timeout=5)
        except queue.Empty:
            dead = [w.exitcode for w in workers if not w.is_alive()]
            if dead:
                raise SystemExit(f"a worker process died (exit codes {dead}); see its traceback above") from None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500, help="Rows claimed per batch (default 500).")
    parser.add_argument("--processes", type=int, default=1, help="Worker processes sharing the outbox (default 1).")
    parser.add_argument("--providers", choices=["logging", "fake-http"], default="logging",
                        help="logging: locmem email, logged SMS and push (default); fake-http: the real back ends "
                             "against local fake SMTP, SMS.ru, FCM and APNs servers, each in its own process.")
    parser.add_argument("--channel", choices=["email", "sms", "push"], default="email", help="The step's channel.")
    parser.add_argument("--profile", default="", metavar="PATH",
                        help="Profile each worker with cProfile (to PATH.<pid>) and print its function calls per "
                             "message: a figure the host's load does not change.")
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.WARNING)
    context = multiprocessing.get_context("fork")
    connection.close()  # nothing forked may share the parent's database connection
    fakes = FakeHttpProviders(context) if args.providers == "fake-http" else None
    channel_settings = fakes.settings if fakes else LOGGING_CHANNELS
    day = shop_today()
    setup_seconds, _ = timed(lambda: create_members(args.members, day))
    create_devices()
    campaign = create_campaign(args.channel)
    plan_seconds, entered = timed(lambda: campaigns_enter_stage(occurred_on=day))
    planned = OutboxMessage.objects.filter(campaign_step__campaign=campaign).count()

    connection.close()  # the worker processes fork from here
    hours_queue, reports = context.Queue(), context.Queue()
    workers = [context.Process(target=worker_loop, args=(hours_queue, reports, args.batch, channel_settings,
                                                         args.profile), daemon=True)
               for _ in range(args.processes)]
    [w.start() for w in workers]
    counts, send_seconds, hours = Counter(), 0.0, 0
    load_before = os.getloadavg()[0]
    start = shop_day_start(day)
    for hour in range(0, 48):  # the entry day and the next, until the 2-day window closes
        now = start + dt.timedelta(hours=hour, minutes=1)
        started = time.monotonic()
        for _ in workers:
            hours_queue.put(now)
        for _ in workers:
            counts.update(_next_report(reports, workers))
        send_seconds += time.monotonic() - started
        hours += 1
        if not OutboxMessage.objects.filter(status__in=["pending", "sending"]).exists():
            break
    for _ in workers:
        hours_queue.put(None)
    worker_cpu, profiles = 0.0, []
    for _ in workers:
        seconds, path = _next_report(reports, workers)
        worker_cpu += seconds
        profiles += [path] if path else []
    fake_cpu = fakes.stop() if fakes else 0.0
    emails = counts.pop("emails", 0)
    delivered = counts["delivered"]
    final = Counter(dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id"))))
    by_channel = dict(OutboxMessage.objects.filter(status="delivered").values_list("sent_channel")
                      .annotate(n=Count("id")).order_by("sent_channel"))
    per_message = max(delivered, 1)
    print(f"database {connection.settings_dict['NAME']}; members {args.members:,}; set-up {setup_seconds:.1f} s; "
          f"load average {load_before:.1f} before sending, {os.getloadavg()[0]:.1f} after")
    print(f"stage entry: {entered:,} entered, {planned:,} messages planned (10 % held out) in {plan_seconds:.2f} s")
    print(f"worker: {hours} simulated hours, {send_seconds:.1f} s busy; handled {sum(counts.values()):,} "
          f"({dict(counts)}); final states {dict(final)}")
    print(f"delivered {delivered:,} in {send_seconds:.1f} s = {delivered / send_seconds:,.0f} messages/s "
          f"(target >= 500/s with logging, >= 300/s with fake-http); all decisions "
          f"{sum(counts.values()) / send_seconds:,.0f}/s; by channel {by_channel}; providers {args.providers}"
          + (f", locmem email outbox {emails:,}" if args.providers == "logging" else "")
          + f"; {args.processes} worker process(es) of {settings.CAMPAIGNS_OUTBOX_SEND_THREADS} send thread(s)")
    print(f"CPU per delivered message: worker(s) {worker_cpu / per_message * 1000:.2f} ms"
          + (f", provider fakes {fake_cpu / per_message * 1000:.2f} ms" if fakes else ""))
    if profiles:
        import pstats

        stats = pstats.Stats(*profiles)
        print(f"profile: {stats.total_calls:,} function calls = {stats.total_calls / per_message:,.0f} per delivered "
              f"message ({', '.join(profiles)})")


if __name__ == "__main__":
    main()
