"""Coupon templates, the codes issued from them, their redemptions, and rewards bought with points."""
import secrets
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.translated_content import translations_field

# No 0/O/1/I/L: codes are read aloud at the till.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_coupon_code() -> str:
    """12 characters from a 31-letter alphabet: about 59 bits, drawn with `secrets`, so codes cannot be guessed."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


class DiscountKind(models.TextChoices):
    PERCENT = "percent", _("Percent off")
    FIXED = "fixed", _("Fixed amount off")


class CouponTemplate(models.Model):
    name = models.CharField(_("name"), max_length=128)
    discount_kind = models.CharField(_("discount kind"), max_length=8, choices=DiscountKind.choices)
    discount_value = models.DecimalField(_("discount value"), max_digits=12, decimal_places=2)
    min_order_total = models.DecimalField(
        _("minimum order total"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    validity_days = models.PositiveIntegerField(_("validity in days"), default=30)
    max_uses = models.PositiveIntegerField(_("maximum uses"), default=1, help_text=_("1 = single use."))
    per_member_limit = models.PositiveIntegerField(
        _("limit per member"), null=True, blank=True,
        help_text=_("Most coupons of this template one member may hold; empty = no limit.")
    )
    active = models.BooleanField(_("active"), default=True)
    translations = translations_field()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("coupon template")
        verbose_name_plural = _("coupon templates")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(discount_value__gt=0), name="template_discount_positive"),
            models.CheckConstraint(
                condition=~Q(discount_kind="percent") | Q(discount_value__lte=100), name="template_percent_at_most_100"
            ),
            models.CheckConstraint(condition=Q(max_uses__gte=1), name="template_max_uses_positive"),
            models.CheckConstraint(condition=Q(min_order_total__gte=0), name="template_min_order_not_negative"),
        ]

    def __str__(self):
        return self.name

    def discount_for(self, order_total: Decimal) -> Decimal:
        if self.discount_kind == DiscountKind.PERCENT:
            amount = (order_total * self.discount_value / Decimal(100)).quantize(Decimal("0.01"))
        else:
            amount = self.discount_value
        return min(amount, order_total)


class Coupon(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True, default=new_coupon_code)
    template = models.ForeignKey(
        CouponTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="coupons"
    )
    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="coupons",
        help_text=_("Empty: anyone holding the code may use it."),
    )
    source = models.CharField(_("source"), max_length=32, help_text=_("staff, reward, campaign…"))
    cause_key = models.CharField(_("cause key"), max_length=128, null=True, blank=True, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    max_uses = models.PositiveIntegerField(_("maximum uses"), default=1)
    uses = models.PositiveIntegerField(_("uses"), default=0)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["member", "expires_at"], name="coupon_member_expiry")]
        constraints = [
            models.CheckConstraint(condition=Q(uses__lte=models.F("max_uses")), name="coupon_uses_within_max"),
        ]

    def __str__(self):
        return self.code


class CouponRedemption(models.Model):
    coupon = models.ForeignKey(Coupon, verbose_name=_("coupon"), on_delete=models.PROTECT, related_name="redemptions")
    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="coupon_redemptions"
    )
    order_external_id = models.CharField(_("order external ID"), max_length=64, blank=True)
    order_total = models.DecimalField(_("order total"), max_digits=12, decimal_places=2)
    discount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2)
    redeemed_at = models.DateTimeField(_("redeemed at"))

    class Meta:
        verbose_name = _("coupon redemption")
        verbose_name_plural = _("coupon redemptions")
        ordering = ["-redeemed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["coupon", "order_external_id"], condition=~Q(order_external_id=""),
                name="coupon_redeemed_once_per_order",
            ),
        ]

    def __str__(self):
        return f"{self.coupon_id} on {self.order_external_id or '—'}"


class Reward(models.Model):
    """A catalogue item priced in points; buying it issues a coupon from its template."""

    name = models.CharField(_("name"), max_length=128)
    description = models.TextField(_("description"), blank=True)
    points_cost = models.PositiveIntegerField(_("cost in points"))
    template = models.ForeignKey(
        CouponTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="rewards"
    )
    active = models.BooleanField(_("active"), default=True)
    translations = translations_field()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["points_cost", "name"]
        constraints = [models.CheckConstraint(condition=Q(points_cost__gt=0), name="reward_cost_positive")]

    def __str__(self):
        return f"{self.name} ({self.points_cost} pts)"
