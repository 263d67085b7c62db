"""Seed the demo loyalty programme and give the demo shop's completed orders their points."""
import time

from django.core.management.base import BaseCommand

from loyalty.demo import demo_points_backfill, programme_seed
from loyalty.services import points_daily, tiers_review


class Command(BaseCommand):
    help = (
        "Create default tiers (bronze, silver, gold), earning rules, coupon templates and rewards if missing, then "
        "write earn entries for completed orders that have none (set-based), expire lapsed points and review "
        "tiers. Safe to run again: it only adds what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--skip-points", action="store_true", help="Only create the programme, no earn entries.")

    def handle(self, *args, skip_points, **options):
        started = time.monotonic()
        counts = programme_seed()
        self.stdout.write(f"Programme: {counts['tiers']} tiers, {counts['rules']} earning rules, "
                          f"{counts['rewards']} rewards.")
        if skip_points:
            return
        self.stdout.write("Writing earn entries for completed orders…")
        written = demo_points_backfill()
        self.stdout.write(f"{written:,} earn entries written. Unlocking and expiring…")
        daily = points_daily()
        self.stdout.write(f"{daily['unlocked']:,} lots unlocked, {daily['expired']:,} expired. Reviewing tiers…")
        review = tiers_review()
        self.stdout.write(self.style.SUCCESS(
            f"Tiers: {review['upgraded']:,} members placed. Done in {time.monotonic() - started:,.1f}s."))
