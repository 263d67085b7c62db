from django.db import models
from django.db.models import Q

# The lifecycle issue extends these; campaigns and segments read them by these names.


class LifecycleStage(models.Model):
    slug = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name


class MemberLifecycle(models.Model):
    """The member's current stage; a member with no row, or stage NULL, is `active`."""

    member = models.OneToOneField("customers.Member", on_delete=models.CASCADE, related_name="lifecycle")
    stage = models.ForeignKey(LifecycleStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()

    def __str__(self):
        return f"{self.member_id}: {self.stage.slug if self.stage else 'active'}"


class StageTransition(models.Model):
    """One recorded move between stages (NULL = active); campaigns trigger on these rows."""

    member = models.ForeignKey("customers.Member", on_delete=models.CASCADE, related_name="stage_transitions")
    from_stage = models.ForeignKey(LifecycleStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(LifecycleStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField(help_text="The shop day the move was computed for (the --as-of date).")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_orders = models.PositiveIntegerField()
    days_since_last_purchase = models.PositiveIntegerField(null=True)

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
