"""The points ledger: append-only entries, the earned lots they spend from (FIFO), and the cached balance."""
from django.conf import settings
from django.db import models
from django.db.models import Q


class MemberAccount(models.Model):
    """A member's cached programme state. The ledger is the truth; check_ledger proves the cache matches it.

    Every write to a member's points locks this row first (select_for_update), which serialises them.
    """

    member = models.OneToOneField("customers.Member", on_delete=models.CASCADE, related_name="account")
    tier = models.ForeignKey("loyalty.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts")
    available_points = models.BigIntegerField(default=0)
    pending_points = models.BigIntegerField(default=0)
    debt_points = models.BigIntegerField(default=0, help_text="Points owed after a reversal found them spent.")
    tier_valid_until = models.DateField(
        null=True, blank=True,
        help_text="The tier is kept at least until this day (a tier carried over from a previous programme).",
    )
    tier_below_since = models.DateField(
        null=True, blank=True, help_text="First review that found the member below their tier (grace period start)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(available_points__gte=0), name="account_available_not_negative"),
            models.CheckConstraint(condition=Q(pending_points__gte=0), name="account_pending_not_negative"),
            models.CheckConstraint(condition=Q(debt_points__gte=0), name="account_debt_not_negative"),
        ]

    def __str__(self):
        return f"{self.member_id}: {self.available_points} pts"


class LedgerEntryKind(models.TextChoices):
    EARN = "earn", "Earned"
    REDEEM = "redeem", "Redeemed"
    EXPIRE = "expire", "Expired"
    ADJUST = "adjust", "Adjusted by staff"
    REVERSE = "reverse", "Reversed (return or cancel)"
    BONUS = "bonus", "Bonus"
    TRANSFER_IN = "transfer_in", "Transferred in"
    TRANSFER_OUT = "transfer_out", "Transferred out"
    UNLOCK = "unlock", "Unlocked (pending → available)"
    DEBT = "debt", "Debt recorded or paid off"
    OPENING = "opening", "Opening balance (previous programme)"


class LedgerBucket(models.TextChoices):
    """Which cached balance an entry moves: MemberAccount.<bucket>_points is the sum of its entries."""

    AVAILABLE = "available", "Available"
    PENDING = "pending", "Pending"
    DEBT = "debt", "Debt"


class LedgerEntry(models.Model):
    """One append-only movement of points. `points` is signed: earning is positive, spending negative.

    An unlock is two entries (pending −n, available +n); a debt is an entry in the debt bucket.
    """

    member = models.ForeignKey("customers.Member", on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(max_length=16, choices=LedgerEntryKind.choices)
    bucket = models.CharField(
        max_length=9, choices=LedgerBucket.choices, default=LedgerBucket.AVAILABLE, db_default=LedgerBucket.AVAILABLE
    )
    points = models.BigIntegerField()
    created_at = models.DateTimeField(db_index=True)
    order = models.ForeignKey(
        "loyalty.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    reason = models.CharField(max_length=255, blank=True)
    cause_key = models.CharField(
        max_length=128, null=True, blank=True, unique=True, help_text="Idempotency: one entry per cause."
    )
    details = models.JSONField(default=dict, blank=True, help_text="E.g. points per order line, for exact reversals.")
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["member", "created_at"], name="ledger_member_created"),
            models.Index(fields=["order", "kind"], name="ledger_order_kind"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="ledger_points_not_zero"),
            models.CheckConstraint(
                condition=Q(bucket__in=["available", "pending", "debt"]), name="ledger_bucket_valid"
            ),
        ]

    def __str__(self):
        return f"{self.member_id} {self.kind} {self.points:+d}"


class LotState(models.TextChoices):
    PENDING = "pending", "Pending"
    AVAILABLE = "available", "Available"
    EXPIRED = "expired", "Expired"


class PointsLot(models.Model):
    """Points credited by one entry, spent oldest-expiry first; what is left on `expires_on` expires."""

    member = models.ForeignKey("customers.Member", on_delete=models.CASCADE, related_name="points_lots")
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="lot")
    order = models.ForeignKey("loyalty.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    points = models.BigIntegerField()
    remaining = models.BigIntegerField()
    state = models.CharField(max_length=9, choices=LotState.choices)
    available_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["expires_on", "id"]
        indexes = [
            models.Index(fields=["member", "state", "expires_on"], name="lot_member_state_expiry"),
            models.Index(fields=["state", "available_on"], name="lot_state_available_on"),
            models.Index(fields=["state", "expires_on"], name="lot_state_expires_on"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="lot_points_positive"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0, remaining__lte=models.F("points")), name="lot_remaining_within_points"
            ),
            models.CheckConstraint(condition=Q(state__in=["pending", "available", "expired"]), name="lot_state_valid"),
        ]

    def __str__(self):
        return f"lot {self.pk}: {self.remaining}/{self.points}"
