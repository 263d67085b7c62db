"""The points ledger: append-only entries, the earned lots they spend from (FIFO), and the cached balance."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy


class MemberAccount(models.Model):
    """A member's cached programme state. The ledger is the truth; check_ledger proves the cache matches it.

    Every write to a member's points locks this row first (select_for_update), which serialises them.
    """

    member = models.OneToOneField(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="account"
    )
    tier = models.ForeignKey(
        "loyalty.Tier", verbose_name=_("tier"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="accounts"
    )
    available_points = models.BigIntegerField(_("available points"), default=0)
    pending_points = models.BigIntegerField(_("pending points"), default=0)
    debt_points = models.BigIntegerField(
        _("debt points"), default=0, help_text=_("Points owed after a reversal found them spent.")
    )
    tier_valid_until = models.DateField(
        _("tier valid until"), null=True, blank=True,
        help_text=_("The tier is kept at least until this day (a tier carried over from a previous programme)."),
    )
    tier_below_since = models.DateField(
        _("below the tier since"), null=True, blank=True,
        help_text=_("First review that found the member below their tier (grace period start).")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("member account")
        verbose_name_plural = _("member accounts")
        constraints = [
            models.CheckConstraint(condition=Q(available_points__gte=0), name="account_available_not_negative"),
            models.CheckConstraint(condition=Q(pending_points__gte=0), name="account_pending_not_negative"),
            models.CheckConstraint(condition=Q(debt_points__gte=0), name="account_debt_not_negative"),
        ]

    def __str__(self):
        return f"{self.member_id}: {self.available_points} pts"


class LedgerEntryKind(models.TextChoices):
    # Context "ledger": "Expired" of points reads differently from "Expired" of coupons.
    EARN = "earn", pgettext_lazy("ledger", "Earned")
    REDEEM = "redeem", pgettext_lazy("ledger", "Redeemed")
    EXPIRE = "expire", pgettext_lazy("ledger", "Expired")
    ADJUST = "adjust", pgettext_lazy("ledger", "Adjusted by staff")
    REVERSE = "reverse", pgettext_lazy("ledger", "Reversed (return or cancel)")
    BONUS = "bonus", pgettext_lazy("ledger", "Bonus")
    TRANSFER_IN = "transfer_in", pgettext_lazy("ledger", "Transferred in")
    TRANSFER_OUT = "transfer_out", pgettext_lazy("ledger", "Transferred out")
    UNLOCK = "unlock", pgettext_lazy("ledger", "Unlocked (pending → available)")
    DEBT = "debt", pgettext_lazy("ledger", "Debt recorded or paid off")
    OPENING = "opening", pgettext_lazy("ledger", "Opening balance (previous programme)")


class LedgerBucket(models.TextChoices):
    """Which cached balance an entry moves: MemberAccount.<bucket>_points is the sum of its entries."""

    AVAILABLE = "available", _("Available")
    PENDING = "pending", _("Pending")
    DEBT = "debt", _("Debt")


class LedgerEntry(models.Model):
    """One append-only movement of points. `points` is signed: earning is positive, spending negative.

    An unlock is two entries (pending −n, available +n); a debt is an entry in the debt bucket.
    """

    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="ledger_entries"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LedgerEntryKind.choices)
    bucket = models.CharField(
        _("bucket"), max_length=9, choices=LedgerBucket.choices, default=LedgerBucket.AVAILABLE,
        db_default=LedgerBucket.AVAILABLE
    )
    points = models.BigIntegerField(_("points"))
    created_at = models.DateTimeField(_("created at"), db_index=True)
    order = models.ForeignKey(
        "loyalty.Order", verbose_name=_("order"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="ledger_entries"
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    cause_key = models.CharField(
        _("cause key"), max_length=128, null=True, blank=True, unique=True,
        help_text=_("Idempotency: one entry per cause.")
    )
    details = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("E.g. points per order line, for exact reversals.")
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff user"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+"
    )

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
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
    PENDING = "pending", _("Pending")
    AVAILABLE = "available", _("Available")
    EXPIRED = "expired", _("Expired")


class PointsLot(models.Model):
    """Points credited by one entry, spent oldest-expiry first; what is left on `expires_on` expires."""

    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="points_lots"
    )
    entry = models.OneToOneField(LedgerEntry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="lot")
    order = models.ForeignKey(
        "loyalty.Order", verbose_name=_("order"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    points = models.BigIntegerField(_("points"))
    remaining = models.BigIntegerField(_("remaining"))
    state = models.CharField(_("state"), max_length=9, choices=LotState.choices)
    available_on = models.DateField(_("available on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("points lot")
        verbose_name_plural = _("points lots")
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
