from django.db import models


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
