from django.db import models

from segments.models import MemberStats


class ClvFit(models.Model):
    """One run of `fit_clv`: the fitted BG/NBD and Gamma-Gamma parameters and what they were fitted on."""

    class TimeUnit(models.TextChoices):
        DAYS = "days", "Days"
        WEEKS = "weeks", "Weeks"

    fitted_at = models.DateTimeField(auto_now_add=True)
    as_of = models.DateField(help_text="Orders up to the end of this shop day were used.")
    time_unit = models.CharField(max_length=5, choices=TimeUnit.choices)
    members = models.PositiveIntegerField(help_text="Members with at least one completed order.")
    repeat_members = models.PositiveIntegerField(help_text="Members with a repeat purchase day (Gamma-Gamma sample).")
    r = models.FloatField()
    alpha = models.FloatField()
    a = models.FloatField()
    b = models.FloatField()
    bgnbd_log_likelihood = models.FloatField()
    p = models.FloatField(null=True)
    q = models.FloatField(null=True)
    v = models.FloatField(null=True)
    gamma_gamma_log_likelihood = models.FloatField(null=True)
    seconds = models.FloatField(default=0, help_text="Wall time of the fit and scoring.")

    class Meta:
        ordering = ["-fitted_at", "-id"]
        get_latest_by = "fitted_at"
        verbose_name = "CLV model fit"

    def __str__(self):
        return f"CLV fit as of {self.as_of} ({self.time_unit})"


class SpendTrend(models.TextChoices):
    DECLINING = "declining", "Declining"
    STABLE = "stable", "Stable"
    GROWING = "growing", "Growing"


# The CLV columns live on segments.MemberStats (one row per member, read by segments and exports) but are
# analytics' to write; segments/migrations/0003_member_stats_clv.py creates them. Declaring them here keeps
# segments' model file untouched while the model and its migrations agree.
CLV_FIELDS = {
    "predicted_purchases_90": models.FloatField(null=True, help_text="BG/NBD: expected purchases, next 90 days."),
    "predicted_purchases_365": models.FloatField(null=True, help_text="BG/NBD: expected purchases, next 365 days."),
    "prob_alive": models.FloatField(null=True, help_text="BG/NBD: probability the member is still a customer."),
    "predicted_clv": models.DecimalField(
        max_digits=14, decimal_places=2, null=True, help_text="Discounted expected spend over the next 12 months."
    ),
    "simple_clv": models.DecimalField(
        max_digits=14, decimal_places=2, null=True,
        help_text="Average order value × purchases per year × average retention in years.",
    ),
    "spend_trend": models.CharField(
        max_length=10, blank=True, choices=SpendTrend.choices, db_default="", default="",
        help_text="Spend in the last 90 days against the member's earlier rate.",
    ),
}
for _name, _field in CLV_FIELDS.items():
    if _name not in {f.name for f in MemberStats._meta.local_fields}:
        _field.contribute_to_class(MemberStats, _name)
