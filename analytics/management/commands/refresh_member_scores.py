from django.core.management.base import BaseCommand

from analytics.services import member_scores_refresh
from segments.selectors import member_stats_freshness


class Command(BaseCommand):
    help = (
        "Refresh every member's statistics with RFM scores, lifecycle stage and CLV scores now, as the nightly "
        "jobs do (analytics.services.member_scores_refresh). With --if-stale, only when the statistics are "
        "missing for some member or older than a day (make run's demo calls it so)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-stale", action="store_true",
                            help="Do nothing when every member has statistics refreshed within the last day.")

    def handle(self, *args, if_stale, **options):
        if if_stale:
            freshness = member_stats_freshness()
            if not freshness["stale"] and not freshness["members_without"]:
                self.stdout.write("Member statistics are fresh; nothing to refresh (--if-stale).")
                return
        result = member_scores_refresh()
        clv = f"CLV scores of {result.clv_members:,} buyers" if result.clv_members is not None else "no CLV (no orders)"
        self.stdout.write(self.style.SUCCESS(
            f"Refreshed every member: {result.stats_written:,} statistics rows written, {result.stage_moves:,} "
            f"stage moves, {clv}, in {result.seconds:,.1f}s."
        ))
