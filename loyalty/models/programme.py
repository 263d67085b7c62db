"""Programme configuration: settings, tiers, earning rules, and the audit of member merges."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.translated_content import translations_field

from .ledger import LedgerBucket, LedgerEntry, LedgerEntryKind, LotState, MemberAccount, PointsLot

__all__ = [
    "EarningRule", "EarningRuleKind", "LedgerBucket", "LedgerEntry", "LedgerEntryKind", "LotState", "MemberAccount",
    "MemberMerge", "PointsLot", "ProgrammeSettings", "QualifyBy", "ReferralBeneficiary", "Tier", "TierHistory",
    "ValidityKind",
]


class ValidityKind(models.TextChoices):
    ROLLING_DAYS = "rolling_days", _("N days after earning")
    END_OF_MONTH = "end_of_month", _("End of the month, N days after earning")
    END_OF_YEAR = "end_of_year", _("End of the year, N days after earning")
    NEVER = "never", _("Never expire")


class ProgrammeSettings(models.Model):
    """The one row of programme-wide settings (pk=1); `ProgrammeSettings.load()` creates it with defaults."""

    return_period_days = models.PositiveIntegerField(
        _("return period in days"), default=14, help_text=_("Earned points stay pending this long.")
    )
    validity_kind = models.CharField(
        _("points expire"), max_length=16, choices=ValidityKind.choices, default=ValidityKind.ROLLING_DAYS
    )
    validity_days = models.PositiveIntegerField(_("validity in days"), default=365)
    tier_window_days = models.PositiveIntegerField(
        _("tier window in days"), default=365, help_text=_("Rolling window for tier qualification.")
    )
    tier_grace_days = models.PositiveIntegerField(
        _("tier grace period in days"), default=30,
        help_text=_("A member below their tier keeps it this long before a review downgrades them.")
    )
    per_order_cap = models.PositiveIntegerField(
        _("cap per order"), null=True, blank=True, help_text=_("Most points one order earns.")
    )
    daily_cap = models.PositiveIntegerField(_("daily cap"), null=True, blank=True)
    weekly_cap = models.PositiveIntegerField(_("weekly cap"), null=True, blank=True)
    monthly_cap = models.PositiveIntegerField(_("monthly cap"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme settings")
        verbose_name_plural = _("programme settings")

    def __str__(self):
        return "Programme settings"

    @classmethod
    def load(cls):
        return cls.objects.get_or_create(pk=1)[0]


class QualifyBy(models.TextChoices):
    SPEND = "spend", _("Spend in the window")
    POINTS = "points", _("Points earned in the window")


class Tier(models.Model):
    slug = models.SlugField(_("slug"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True, help_text=_("Higher rank is a better tier."))
    qualify_by = models.CharField(_("qualify by"), max_length=8, choices=QualifyBy.choices, default=QualifyBy.SPEND)
    threshold = models.DecimalField(
        _("threshold"), max_digits=12, decimal_places=2, default=Decimal("0"),
        help_text=_("Spend or points needed in the window.")
    )
    multiplier = models.DecimalField(_("multiplier"), max_digits=5, decimal_places=2, default=Decimal("1"))
    perks = models.TextField(_("perks"), blank=True, help_text=_("Benefits shown to members, one per line."))
    translations = translations_field()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=0), name="tier_threshold_not_negative"),
            models.CheckConstraint(condition=Q(multiplier__gt=0), name="tier_multiplier_positive"),
        ]

    def __str__(self):
        return self.name


class TierHistory(models.Model):
    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="tier_history"
    )
    from_tier = models.ForeignKey(
        Tier, verbose_name=_("from tier"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_tier = models.ForeignKey(
        Tier, verbose_name=_("to tier"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier history")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["member", "changed_at"], name="tier_history_member_time")]

    def __str__(self):
        return f"{self.member_id}: {self.from_tier_id} → {self.to_tier_id}"


class EarningRuleKind(models.TextChoices):
    BASE = "base", _("Base rate (points per currency unit)")
    CATEGORY = "category", _("Category bonus (extra multiplier)")
    PRODUCT = "product", _("Product bonus (extra multiplier)")
    PROMOTION = "promotion", _("Promotion (multiplier on the whole order)")
    FIRST_PURCHASE = "first_purchase", _("First-purchase bonus")
    BIRTHDAY = "birthday", _("Birthday bonus (order in the birthday month)")
    REFERRAL = "referral", _("Referral bonus (first purchase of a referred member)")


class ReferralBeneficiary(models.TextChoices):
    REFERRER = "referrer", _("Referrer")
    REFERRED = "referred", _("Referred member")
    BOTH = "both", _("Both")


class EarningRule(models.Model):
    """One earning rule. Rates multiply line amounts; bonuses add fixed points; dates bound any rule."""

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=EarningRuleKind.choices)
    active = models.BooleanField(_("active"), default=True)
    points_per_unit = models.DecimalField(
        _("points per currency unit"), max_digits=8, decimal_places=4, default=Decimal("0"),
        help_text=_("Base: points per one currency unit.")
    )
    multiplier = models.DecimalField(
        _("multiplier"), max_digits=5, decimal_places=2, default=Decimal("1"),
        help_text=_("Category/product/promotion: e.g. 2 = double.")
    )
    bonus_points = models.PositiveIntegerField(
        _("bonus points"), default=0, help_text=_("First purchase, birthday, referral.")
    )
    category = models.ForeignKey(
        "loyalty.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+"
    )
    product = models.ForeignKey(
        "loyalty.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    referral_beneficiary = models.CharField(
        _("referral bonus goes to"), max_length=8, choices=ReferralBeneficiary.choices, default=ReferralBeneficiary.BOTH
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(points_per_unit__gte=0), name="rule_rate_not_negative"),
            models.CheckConstraint(condition=Q(multiplier__gt=0), name="rule_multiplier_positive"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="rule_dates_ordered",
            ),
        ]

    def __str__(self):
        return self.name


class MemberMerge(models.Model):
    """Audit of one merge: the duplicate's identity and what moved to the survivor."""

    survivor = models.ForeignKey(
        "customers.Member", verbose_name=_("survivor"), on_delete=models.PROTECT, related_name="merges_absorbed"
    )
    duplicate_external_id = models.CharField(_("duplicate's external ID"), max_length=64, db_index=True)
    duplicate_snapshot = models.JSONField(
        _("duplicate's data"), default=dict, help_text=_("The duplicate's contact data at merge time.")
    )
    moved = models.JSONField(_("moved"), default=dict, help_text=_("Rows moved per table."))
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("merged by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    merged_at = models.DateTimeField(_("merged at"))

    class Meta:
        verbose_name = _("member merge")
        verbose_name_plural = _("member merges")
        ordering = ["-merged_at"]

    def __str__(self):
        return f"{self.duplicate_external_id} → {self.survivor_id}"
