import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from analytics.services import clv_fit
from core.exceptions import DomainError


class Command(BaseCommand):
    help = (
        "Fit the BG/NBD (purchases, probability alive) and Gamma-Gamma (spend) models on completed orders up to "
        "the end of --as-of (default today, shop time), store the parameters with the fit date, and write each "
        "member's predicted purchases (90 and 365 days), probability alive, predicted 12-month CLV, simple CLV "
        "and spend trend into the member statistics. Progress goes to stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                            help="Last shop day of orders to use (default: today).")
        parser.add_argument("--time-unit", choices=["days", "weeks"], default="weeks",
                            help="Unit of recency and age in the models (default: weeks).")
        parser.add_argument("--json", action="store_true", help="Print the fitted parameters as JSON on stdout.")

    def handle(self, *args, **options):
        try:
            result = clv_fit(as_of=options["as_of"], time_unit=options["time_unit"],
                             progress=lambda message: self.stderr.write(message))
        except DomainError as error:
            raise CommandError(str(error)) from error
        fit = result.fit
        payload = {
            "bgnbd": {"r": fit.r, "alpha": fit.alpha, "a": fit.a, "b": fit.b, "log_likelihood": fit.bgnbd_log_likelihood},
            "gamma_gamma": None if fit.p is None else {
                "p": fit.p, "q": fit.q, "v": fit.v, "log_likelihood": fit.gamma_gamma_log_likelihood},
            "members": result.members,
        }
        if options["json"]:
            self.stdout.write(json.dumps(payload))
        else:
            self.stdout.write(f"Fit as of {fit.as_of} in {options['time_unit']}: {result.members} members, "
                              f"{result.updated} statistics rows updated in {fit.seconds:.1f} s.")
            self.stdout.write(json.dumps(payload, indent=2))
        self.stderr.write(f"Timings: {result.timings}")
