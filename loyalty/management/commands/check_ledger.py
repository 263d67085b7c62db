"""Prove that every member's cached balances equal the sum of their ledger entries, and that no order that is
not completed still holds points."""
import time

from django.core.management.base import BaseCommand, CommandError

from loyalty.selectors import ledger_mismatches, orders_holding_points


class Command(BaseCommand):
    help = (
        "Compare MemberAccount.available/pending/debt points with the sums of the ledger, and available/pending "
        "with what is left in the member's points lots, for every member in one set-based query; check in a "
        "second one that every order that is not completed nets zero points. Print each finding and exit with "
        "status 1 if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=50, help="Print at most this many of each (default 50).")

    def handle(self, *args, limit, **options):
        started = time.monotonic()
        self.stdout.write("Checking cached balances against the ledger for all members…")
        mismatches, checked = ledger_mismatches()
        for row in mismatches[:limit]:
            self.stdout.write(
                f"member {row['member_id']}: cached available={row['available_points']} pending={row['pending_points']} "
                f"debt={row['debt_points']}; ledger available={row['ledger_available']} "
                f"pending={row['ledger_pending']} debt={row['ledger_debt']}; lots available={row['lots_available']} "
                f"pending={row['lots_pending']}"
            )
        self.stdout.write("Checking that no order that is not completed holds points…")
        holding = orders_holding_points()
        for row in holding[:limit]:
            self.stdout.write(
                f"order {row['source']}/{row['external_id']} (id {row['order_id']}) is {row['status']} but still "
                f"holds {row['net_points']} points of member {row['member_id']}"
            )
        seconds = time.monotonic() - started
        problems = []
        if mismatches:
            problems.append(f"{len(mismatches)} of {checked} accounts differ from the ledger")
        if holding:
            problems.append(f"{len(holding)} orders that are not completed hold points")
        if problems:
            raise CommandError(f"{'; '.join(problems)} ({seconds:.1f}s).")
        self.stdout.write(self.style.SUCCESS(
            f"All {checked} accounts match the ledger and no order that is not completed holds points ({seconds:.1f}s)."
        ))
