from django.db import models
from django.db.models import F, Q


class LifecycleStage(models.Model):
    """A stage staff edit in admin: a completed-order bucket and the day since the last purchase it starts."""

    slug = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    min_orders = models.PositiveIntegerField(help_text="Smallest completed-order count of the bucket.")
    max_orders = models.PositiveIntegerField(null=True, blank=True, help_text="Largest count; empty = open-ended.")
    entry_day = models.PositiveIntegerField(help_text="Days since the last completed purchase at which members enter.")
    conversion_window_days = models.PositiveIntegerField(
        default=7, help_text="A purchase within this many days after entering counts as a conversion."
    )
    action_window_start_days = models.PositiveIntegerField(default=0, help_text="Actions may start this many days after entry.")
    action_window_end_days = models.PositiveIntegerField(default=7, help_text="…and must be done by this day after entry.")
    description = models.TextField(blank=True, help_text="What to do with members in this stage.")

    class Meta:
        ordering = ["min_orders", "entry_day"]
        constraints = [
            models.CheckConstraint(condition=Q(min_orders__gte=1), name="stage_bucket_starts_at_one_order"),
            models.CheckConstraint(
                condition=Q(max_orders__isnull=True) | Q(max_orders__gte=F("min_orders")), name="stage_bucket_ordered"
            ),
            models.CheckConstraint(
                condition=Q(action_window_end_days__gte=F("action_window_start_days")), name="stage_action_window_ordered"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def bucket_label(self) -> str:
        if self.max_orders is None:
            return f"{self.min_orders}+"
        if self.max_orders == self.min_orders:
            return str(self.min_orders)
        return f"{self.min_orders}–{self.max_orders}"


class MemberLifecycle(models.Model):
    """The member's current stage; a member with no row, or stage NULL, is `active`."""

    member = models.OneToOneField("customers.Member", on_delete=models.CASCADE, related_name="lifecycle")
    stage = models.ForeignKey(LifecycleStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()

    def __str__(self):
        return f"{self.member_id}: {self.stage.slug if self.stage else 'active'}"


class StageTransition(models.Model):
    """One recorded move between stages (NULL = active); campaigns trigger on these rows."""

    # No single-column indexes: (member, occurred_on) and (occurred_on, to_stage) serve every read, and each
    # extra index costs the first full assignment of a million members seconds of writing.
    member = models.ForeignKey(
        "customers.Member", on_delete=models.CASCADE, related_name="stage_transitions", db_index=False
    )
    from_stage = models.ForeignKey(
        LifecycleStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    to_stage = models.ForeignKey(
        LifecycleStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    occurred_on = models.DateField(help_text="The shop day the move was computed for (the --as-of date).")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_orders = models.PositiveIntegerField(help_text="Why: completed orders at that moment.")
    days_since_last_purchase = models.PositiveIntegerField(null=True, help_text="Why: days since the last purchase.")

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["occurred_on", "to_stage"], name="transition_day_stage")]
        constraints = [
            # Running the recompute twice for the same day records each move once.
            models.UniqueConstraint(fields=["member", "occurred_on"], name="transition_once_per_member_day"),
            models.CheckConstraint(condition=~Q(from_stage=models.F("to_stage")), name="transition_changes_stage"),
        ]

    def __str__(self):
        return f"{self.member_id} {self.from_stage_id}→{self.to_stage_id} {self.occurred_on}"
