import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError

from customers.models import Member
from loyalty.demo_shop import demo_data_generate


class Command(BaseCommand):
    help = (
        "Generate a realistic demo shop: members with demographics, consents and zero-party attributes, a "
        "catalogue, about two years of orders following per-member purchase rhythms (monthly, frequent, "
        "occasional, one-time, lapsing), returns and cancellations, and newsletter engagement. Uses COPY on "
        "PostgreSQL; 1,000,000 members take a few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=3000, help="How many members to add (default 3000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same shop.")
        parser.add_argument("--years", type=float, default=2.0, help="Years of order history (default 2).")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                            help="The last day of history, YYYY-MM-DD (default: today in the shop's zone).")
        parser.add_argument("--chunk-size", type=int, default=50_000, help="Members per transaction.")
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when members already exist (so `make run` can call it every time).")

    def handle(self, *args, members, seed, years, as_of, chunk_size, if_empty, **options):
        if members < 1:
            raise CommandError("--members must be at least 1.")
        if if_empty and Member.objects.exists():
            self.stdout.write("Members already exist; demo data not generated (--if-empty).")
            return

        def progress(summary, total, seconds):
            sys.stderr.write(
                f"\r{summary.members:,}/{total:,} members, {summary.orders:,} orders, "
                f"{summary.order_lines:,} lines, {summary.events:,} events — {seconds:,.0f}s"
            )
            sys.stderr.flush()

        summary = demo_data_generate(members=members, seed=seed, as_of=as_of, years=years,
                                     chunk_size=chunk_size, progress=progress)
        sys.stderr.write("\n")
        self.stdout.write(self.style.SUCCESS(
            f"Generated {summary.members:,} members, {summary.orders:,} orders, {summary.order_lines:,} order "
            f"lines, {summary.events:,} engagement events and {summary.consents:,} consent records in "
            f"{summary.seconds:,.1f}s."
        ))
