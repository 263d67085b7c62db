from django.conf import settings
from django.db import models
from django.db.models import Q


class Category(models.Model):
    name = models.CharField(max_length=128, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Product(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products")

    class Meta:
        ordering = ["sku"]

    def __str__(self):
        return f"{self.name} ({self.sku})"


class OrderStatus(models.TextChoices):
    COMPLETED = "completed", "Completed"
    RETURNED = "returned", "Returned"
    CANCELLED = "cancelled", "Cancelled"
    PENDING = "pending", "Pending"


class SalesChannel(models.TextChoices):
    WEB = "web", "Web shop"
    APP = "app", "Mobile app"
    STORE = "store", "Store"


class Order(models.Model):
    """A purchase as the shop reports it. Only completed orders count for stages, RFM and earning."""

    source = models.CharField(max_length=32, default="shop", help_text="Which system the external id belongs to.")
    external_id = models.CharField(max_length=64)
    member = models.ForeignKey("customers.Member", on_delete=models.PROTECT, related_name="orders")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.COMPLETED)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default=settings.SHOP_CURRENCY)
    channel = models.CharField(max_length=8, choices=SalesChannel.choices, default=SalesChannel.STORE)
    store = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="order_unique_external_id"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=["completed", "returned", "cancelled", "pending"]), name="order_status_valid"
            ),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="order_currency_iso"),
        ]
        indexes = [
            models.Index(fields=["member", "created_at"], name="order_member_created"),
            # Most set-based passes read only completed orders.
            models.Index(
                fields=["member", "created_at"], condition=Q(status="completed"), name="order_completed_member_created"
            ),
        ]

    def __str__(self):
        return f"Order {self.external_id}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.DecimalField(max_digits=10, decimal_places=3)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="order_line_unique_product"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_not_negative"),
        ]
        indexes = [models.Index(fields=["product", "order"], name="order_line_product_order")]

    def __str__(self):
        return f"{self.order_id}: {self.quantity} × {self.product_id}"

    @property
    def amount(self):
        return self.quantity * self.unit_price


# --- Programme: tiers, member accounts and the points ledger -------------------------------------
# The loyalty-core issue extends these; other apps read them by these names only.


class Tier(models.Model):
    slug = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    rank = models.PositiveSmallIntegerField(unique=True, help_text="Higher rank is a better tier.")

    class Meta:
        ordering = ["rank"]

    def __str__(self):
        return self.name


class MemberAccount(models.Model):
    """A member's cached programme state. The ledger is the truth; check_ledger proves the cache matches it."""

    member = models.OneToOneField("customers.Member", on_delete=models.CASCADE, related_name="account")
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts")
    available_points = models.BigIntegerField(default=0)
    pending_points = models.BigIntegerField(default=0)
    debt_points = models.BigIntegerField(default=0, help_text="Points owed after a reversal found them spent.")
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


class LedgerEntry(models.Model):
    """One append-only movement of points. `points` is signed: earning is positive, spending negative."""

    member = models.ForeignKey("customers.Member", on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(max_length=16, choices=LedgerEntryKind.choices)
    points = models.BigIntegerField()
    created_at = models.DateTimeField(db_index=True)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries")
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["member", "created_at"], name="ledger_member_created")]
        constraints = [models.CheckConstraint(condition=~Q(points=0), name="ledger_points_not_zero")]

    def __str__(self):
        return f"{self.member_id} {self.kind} {self.points:+d}"
