# The CLV columns of MemberStats, written by analytics' fit_clv.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("segments", "0002_rfm_map_and_schedules")]

    operations = [
        migrations.AddField("memberstats", "predicted_purchases_90", models.FloatField(
            null=True, help_text="BG/NBD: expected purchases, next 90 days.")),
        migrations.AddField("memberstats", "predicted_purchases_365", models.FloatField(
            null=True, help_text="BG/NBD: expected purchases, next 365 days.")),
        migrations.AddField("memberstats", "prob_alive", models.FloatField(
            null=True, help_text="BG/NBD: probability the member is still a customer.")),
        migrations.AddField("memberstats", "predicted_clv", models.DecimalField(
            max_digits=14, decimal_places=2, null=True, help_text="Discounted expected spend over the next 12 months.")),
        migrations.AddField("memberstats", "simple_clv", models.DecimalField(
            max_digits=14, decimal_places=2, null=True,
            help_text="Average order value × purchases per year × average retention in years.")),
        migrations.AddField("memberstats", "spend_trend", models.CharField(
            max_length=10, blank=True, db_default="", default="",
            choices=[("declining", "Declining"), ("stable", "Stable"), ("growing", "Growing")],
            help_text="Spend in the last 90 days against the member's earlier rate.")),
    ]
