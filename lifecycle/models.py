from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.translated_content import translated, translations_field


class LifecycleStage(models.Model):
    """A stage staff edit in admin: a completed-order bucket and the day since the last purchase it starts."""

    slug = models.SlugField(_("slug"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    min_orders = models.PositiveIntegerField(
        _("orders from"), help_text=_("Smallest completed-order count of the bucket.")
    )
    max_orders = models.PositiveIntegerField(
        _("orders to"), null=True, blank=True, help_text=_("Largest count; empty = open-ended.")
    )
    entry_day = models.PositiveIntegerField(
        _("entry day"), help_text=_("Days since the last completed purchase at which members enter.")
    )
    conversion_window_days = models.PositiveIntegerField(
        _("conversion window in days"), default=7,
        help_text=_("A purchase within this many days after entering counts as a conversion.")
    )
    action_window_start_days = models.PositiveIntegerField(
        _("action window starts on day"), default=0, help_text=_("Actions may start this many days after entry.")
    )
    action_window_end_days = models.PositiveIntegerField(
        _("action window ends on day"), default=7, help_text=_("…and must be done by this day after entry.")
    )
    description = models.TextField(_("description"), blank=True, help_text=_("What to do with members in this stage."))
    position = models.PositiveSmallIntegerField(
        _("position"), default=0,
        help_text=_("Place of the stage on the members' path (New 1 … Lost 7). Stages that share buyers must start "
                    "on later days as the place grows; 0 puts a new stage last."),
    )
    translations = translations_field()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lifecycle stage")
        verbose_name_plural = _("lifecycle stages")
        ordering = ["position", "min_orders", "entry_day"]
        constraints = [
            models.CheckConstraint(condition=Q(min_orders__gte=1), name="stage_bucket_starts_at_one_order"),
            models.CheckConstraint(
                condition=Q(max_orders__isnull=True) | Q(max_orders__gte=F("min_orders")), name="stage_bucket_ordered"
            ),
            models.CheckConstraint(
                condition=Q(action_window_end_days__gte=F("action_window_start_days")),
                name="stage_action_window_ordered"
            ),
        ]

    def __str__(self):
        return translated(self, "name")

    def overlaps(self, other: "LifecycleStage") -> bool:
        """Whether the two stages' completed-order buckets share a count (so a member can pass both)."""
        infinity = float("inf")
        return (self.min_orders <= (other.max_orders if other.max_orders is not None else infinity)
                and other.min_orders <= (self.max_orders if self.max_orders is not None else infinity))

    def clean(self):
        """Refuse a stage that breaks the path: e.g. At risk starting on day 120 when Lost starts on day 113."""
        if self.min_orders is None or self.entry_day is None:
            return  # the field errors say it already
        others = [o for o in LifecycleStage.objects.exclude(pk=self.pk) if o.overlaps(self)]
        if not self.position:
            self.position = max((o.position for o in LifecycleStage.objects.exclude(pk=self.pk)), default=0) + 1
        for other in others:
            if other.entry_day == self.entry_day:
                raise ValidationError({"entry_day": gettext(
                    "«%(other)s» already starts on day %(day)s for the same buyers.") % {
                    "other": other.name, "day": other.entry_day}})
            if other.position == self.position:
                raise ValidationError({"position": gettext(
                    "«%(other)s» already has place %(position)s.") % {"other": other.name, "position": other.position}})
            if (other.position < self.position) != (other.entry_day < self.entry_day):
                before = other.position < self.position
                raise ValidationError({"entry_day": gettext(
                    "«%(stage)s» comes %(where)s «%(other)s» on the path, so it must start %(when)s day %(day)s.") % {
                    "stage": self.name or self.slug, "other": other.name,
                    "where": gettext("after") if before else gettext("before"),
                    "when": gettext("after") if before else gettext("before"), "day": other.entry_day}})

    @property
    def bucket_label(self) -> str:
        if self.max_orders is None:
            return f"{self.min_orders}+"
        if self.max_orders == self.min_orders:
            return str(self.min_orders)
        return f"{self.min_orders}–{self.max_orders}"


class MemberLifecycle(models.Model):
    """The member's current stage; a member with no row, or stage NULL, is `active`."""

    member = models.OneToOneField(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="lifecycle"
    )
    stage = models.ForeignKey(
        LifecycleStage, verbose_name=_("stage"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("member's lifecycle stage")
        verbose_name_plural = _("members' lifecycle stages")

    def __str__(self):
        return f"{self.member_id}: {self.stage.slug if self.stage else 'active'}"


class StageTransition(models.Model):
    """One recorded move between stages (NULL = active); campaigns trigger on these rows."""

    # No single-column indexes: (member, occurred_on) and (occurred_on, to_stage) serve every read, and each
    # extra index costs the first full assignment of a million members seconds of writing.
    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="stage_transitions",
        db_index=False
    )
    from_stage = models.ForeignKey(
        LifecycleStage, verbose_name=_("from stage"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False
    )
    to_stage = models.ForeignKey(
        LifecycleStage, verbose_name=_("to stage"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False
    )
    occurred_on = models.DateField(_("day"), help_text=_("The shop day the move was computed for (the --as-of date)."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_orders = models.PositiveIntegerField(
        _("completed orders"), help_text=_("Why: completed orders at that moment.")
    )
    days_since_last_purchase = models.PositiveIntegerField(
        _("days since the last purchase"), null=True, help_text=_("Why: days since the last purchase.")
    )

    class Meta:
        verbose_name = _("stage transition")
        verbose_name_plural = _("stage transitions")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["occurred_on", "to_stage"], name="transition_day_stage")]
        constraints = [
            # Running the recompute twice for the same day records each move once.
            models.UniqueConstraint(fields=["member", "occurred_on"], name="transition_once_per_member_day"),
            models.CheckConstraint(condition=~Q(from_stage=models.F("to_stage")), name="transition_changes_stage"),
        ]

    def __str__(self):
        return f"{self.member_id} {self.from_stage_id}→{self.to_stage_id} {self.occurred_on}"
