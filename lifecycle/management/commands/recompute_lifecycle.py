import datetime as dt
import sys

from django.core.management.base import BaseCommand

from lifecycle.services import lifecycle_dry_run, lifecycle_recompute


class Command(BaseCommand):
    help = (
        "Move every member to their lifecycle stage for a day (default today in the shop's zone) and record "
        "each move as a stage transition. Safe to run again: a second run the same day records nothing new. "
        "--as-of replays history for tests and demos; --dry-run only counts who would move where."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="The day, YYYY-MM-DD.")
        parser.add_argument("--dry-run", action="store_true", help="Count the moves; write nothing.")
        parser.add_argument("--range-size", type=int, default=None, help="Member ids per transaction (default: the LIFECYCLE_RANGE_SIZE setting, 1000000).")

    def handle(self, *args, as_of, dry_run, range_size, **options):
        if dry_run:
            moves = lifecycle_dry_run(as_of=as_of)
            self._print_moves(moves, "would move")
            return

        def progress(number, total, result):
            sys.stderr.write(f"\rrange {number}/{total}, {result.moved:,} members moved")
            sys.stderr.flush()

        result = lifecycle_recompute(as_of=as_of, range_size=range_size, on_range=progress)
        sys.stderr.write("\n")
        self._print_moves(result.moves, "moved")
        self.stdout.write(self.style.SUCCESS(
            f"Lifecycle for {result.as_of}: {result.moved:,} members moved in {result.seconds:.1f}s."))

    def _print_moves(self, moves, verb):
        for (source, target), count in sorted(moves.items(), key=lambda item: -item[1]):
            self.stdout.write(f"{count:>10,}  {verb}  {source} → {target}")
