from django.conf import settings
from django.db import models
from django.db.models import Q


PATH_SEPARATOR = "/"


class Category(models.Model):
    """A node of the catalogue tree. `path` is the names from the root down, e.g. `Дети/Игрушки`: a subtree is
    the category's path and every path under it, so "bought in a category" and a category's earning rule reach
    its subcategories with one prefix match. A flat category is a root whose path is its name.

    `path` follows `name` and `parent` on every save; `loyalty.services.catalogue` renames subtrees and
    creates categories by path in bulk.
    """

    name = models.CharField(max_length=128)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=512, unique=True, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_name_unique_in_parent"),
        ]

    def __str__(self):
        return self.path or self.name

    def save(self, *args, **kwargs):
        self.path = self.path_build()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "path"}
        super().save(*args, **kwargs)

    def path_build(self) -> str:
        name = self.name.replace(PATH_SEPARATOR, "-")  # a name never splits into two levels
        return f"{self.parent.path}{PATH_SEPARATOR}{name}" if self.parent_id else name


class Product(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products")
    brand = models.CharField(max_length=128, blank=True, default="", db_default="")
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, help_text="Shelf price.")
    image_url = models.URLField(max_length=2048, blank=True, default="", db_default="")
    url = models.URLField(max_length=2048, blank=True, default="", db_default="", help_text="The product's page.")

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
    earned_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the order was priced for points (set even when it earned none): it is never priced again.",
    )
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
            # Most set-based passes read only completed orders, in member and time order, with their
            # totals: on PostgreSQL they read this index alone (SQLite ignores INCLUDE).
            models.Index(
                fields=["member", "created_at"], include=["total"], condition=Q(status="completed"),
                name="order_completed_member_created",
            ),
        ]

    def __str__(self):
        return f"Order {self.external_id}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.DecimalField(max_digits=10, decimal_places=3)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    # db_default: bulk loaders (COPY) that name only the original columns still work.
    returned_quantity = models.DecimalField(max_digits=10, decimal_places=3, default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="order_line_unique_product"),
            models.CheckConstraint(
                condition=Q(returned_quantity__gte=0, returned_quantity__lte=models.F("quantity")),
                name="order_line_returned_within_quantity",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_not_negative"),
        ]
        indexes = [models.Index(fields=["product", "order"], name="order_line_product_order")]

    def __str__(self):
        return f"{self.order_id}: {self.quantity} × {self.product_id}"

    @property
    def amount(self):
        return self.quantity * self.unit_price


class OrderReturn(models.Model):
    """One return (full or by lines), keyed by its cause so a replay returns nothing twice."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="returns")
    cause_key = models.CharField(max_length=128, unique=True)
    lines = models.JSONField(default=dict, blank=True, help_text="sku → quantity returned; empty for a full return.")
    points_reversed = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Return {self.cause_key}"
