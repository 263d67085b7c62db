import datetime as dt

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from core.timezones import shop_today


class Command(BaseCommand):
    help = ("Run the seeded stage campaigns over the demo shop's recent past, day by day: lifecycle moves, "
            "entries with holdout, actions and sends (to a discarding back end), simulated opens and clicks, "
            "and a simulated response of treated members, so each campaign's results page has a funnel and uplift.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=40, help="How many past days to simulate (default 40).")
        parser.add_argument("--until", type=dt.date.fromisoformat, default=None,
                            help="Last simulated day (default: 10 days ago, so conversion windows have closed).")
        parser.add_argument("--response-rate", type=float, default=0.06,
                            help="Share of treated members who engaged and buy because of the campaign (default 0.06).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if campaigns already have entries.")

    def handle(self, *args, **options):
        from campaigns.demo import demo_campaigns_run
        from campaigns.models import CampaignEntry

        if options["if_empty"] and CampaignEntry.objects.exists():
            self.stdout.write("Campaigns already have entries; nothing to do.")
            return
        until = options["until"] or shop_today() - dt.timedelta(days=10)
        discard = "campaigns.channels.simple.DiscardChannel"
        with override_settings(CAMPAIGNS_CHANNEL_BACKENDS={"email": discard, "sms": discard, "push": discard,
                                                           "webhook": discard}, CAMPAIGNS_OUTBOX_KICK=False):
            summary = demo_campaigns_run(days=options["days"], until=until, response_rate=options["response_rate"],
                                         seed=options["seed"], progress=lambda line: self.stdout.write(line))
        for line in summary:
            self.stdout.write(self.style.SUCCESS(line))
