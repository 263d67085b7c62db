from django.db import models
from django.utils.translation import gettext_lazy as _


class ClvFit(models.Model):
    """One run of `fit_clv`: the fitted BG/NBD and Gamma-Gamma parameters and what they were fitted on."""

    class TimeUnit(models.TextChoices):
        DAYS = "days", _("Days")
        WEEKS = "weeks", _("Weeks")

    fitted_at = models.DateTimeField(_("fitted at"), auto_now_add=True)
    as_of = models.DateField(_("as of"), help_text=_("Orders up to the end of this shop day were used."))
    time_unit = models.CharField(_("time unit"), max_length=5, choices=TimeUnit.choices)
    members = models.PositiveIntegerField(_("members"), help_text=_("Members with at least one completed order."))
    repeat_members = models.PositiveIntegerField(
        _("repeat buyers"), help_text=_("Members with a repeat purchase day (Gamma-Gamma sample).")
    )
    r = models.FloatField(_("r"))
    alpha = models.FloatField(_("alpha"))
    a = models.FloatField(_("a"))
    b = models.FloatField(_("b"))
    bgnbd_log_likelihood = models.FloatField(_("BG/NBD log-likelihood"))
    p = models.FloatField(_("p"), null=True)
    q = models.FloatField(_("q"), null=True)
    v = models.FloatField(_("v"), null=True)
    gamma_gamma_log_likelihood = models.FloatField(_("Gamma-Gamma log-likelihood"), null=True)
    seconds = models.FloatField(_("seconds"), default=0, help_text=_("Wall time of the fit and scoring."))

    class Meta:
        verbose_name = _("CLV model fit")
        verbose_name_plural = _("CLV model fits")
        ordering = ["-fitted_at", "-id"]
        get_latest_by = "fitted_at"

    def __str__(self):
        return f"CLV fit as of {self.as_of} ({self.time_unit})"
