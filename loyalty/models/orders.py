from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy


PATH_SEPARATOR = "/"


class Category(models.Model):
    """A node of the catalogue tree. `path` is the names from the root down, e.g. `Дети/Игрушки`: a subtree is
    the category's path and every path under it, so "bought in a category" and a category's earning rule reach
    its subcategories with one prefix match. A flat category is a root whose path is its name.

    `path` follows `name` and `parent` on every save; `loyalty.services.catalogue` renames subtrees and
    creates categories by path in bulk.
    """

    name = models.CharField(_("name"), max_length=128)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("path"), max_length=512, unique=True, editable=False)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]
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
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    brand = models.CharField(_("brand"), max_length=128, blank=True, default="", db_default="")
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, null=True, blank=True, help_text=_("Shelf price.")
    )
    image_url = models.URLField(_("image URL"), max_length=2048, blank=True, default="", db_default="")
    url = models.URLField(
        _("URL"), max_length=2048, blank=True, default="", db_default="", help_text=_("The product's page.")
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]

    def __str__(self):
        return f"{self.name} ({self.sku})"


class OrderStatus(models.TextChoices):
    COMPLETED = "completed", pgettext_lazy("order", "Completed")
    RETURNED = "returned", pgettext_lazy("order", "Returned")
    CANCELLED = "cancelled", pgettext_lazy("order", "Cancelled")
    PENDING = "pending", pgettext_lazy("order", "Pending")


class SalesChannel(models.TextChoices):
    WEB = "web", _("Web shop")
    APP = "app", _("Mobile app")
    STORE = "store", _("Store")


class Order(models.Model):
    """A purchase as the shop reports it. Only completed orders count for stages, RFM and earning."""

    source = models.CharField(
        _("source"), max_length=32, default="shop", help_text=_("Which system the external id belongs to.")
    )
    external_id = models.CharField(_("external ID"), max_length=64)
    # No index of its own: order_member_created leads with the member (one index less to keep up on every import).
    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    created_at = models.DateTimeField(_("created at"))
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.COMPLETED)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=settings.SHOP_CURRENCY)
    channel = models.CharField(_("channel"), max_length=8, choices=SalesChannel.choices, default=SalesChannel.STORE)
    store = models.CharField(_("store"), max_length=64, blank=True)
    earned_at = models.DateTimeField(
        _("priced for points at"), null=True, blank=True,
        help_text=_("When the order was priced for points (set even when it earned none): it is never priced again."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
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
    # No indexes of their own: order_line_unique_product leads with the order and order_line_product_order with the
    # product, so two of the five indexes every imported line kept up served nothing.
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="order_lines", db_index=False
    )
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    # db_default: bulk loaders (COPY) that name only the original columns still work.
    returned_quantity = models.DecimalField(
        _("returned quantity"), max_digits=10, decimal_places=3, default=0, db_default=0
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
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

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="returns")
    cause_key = models.CharField(_("cause key"), max_length=128, unique=True)
    lines = models.JSONField(
        _("lines"), default=dict, blank=True, help_text=_("sku → quantity returned; empty for a full return.")
    )
    points_reversed = models.BigIntegerField(_("points reversed"), default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("order return")
        verbose_name_plural = _("order returns")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Return {self.cause_key}"
