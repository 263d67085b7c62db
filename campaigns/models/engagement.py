from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReviewRequest(models.Model):
    """A signed, single-use invitation to review the items of one order (the portal shows the form)."""

    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="review_requests"
    )
    order = models.ForeignKey(
        "loyalty.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="review_requests"
    )
    token = models.CharField(_("token"), max_length=128, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    planned_action = models.OneToOneField(
        "campaigns.PlannedAction", verbose_name=_("planned action"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="review_request"
    )

    class Meta:
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["member", "order"], name="review_request_once_per_order")]

    def __str__(self):
        return f"Review of {self.order_id} by {self.member_id}"


class Review(models.Model):
    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="reviews"
    )
    order = models.ForeignKey(
        "loyalty.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="reviews"
    )
    product = models.ForeignKey(
        "loyalty.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="reviews", help_text=_("Empty: a review of the whole order.")
    )
    request = models.ForeignKey(
        ReviewRequest, verbose_name=_("request"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    text = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    is_published = models.BooleanField(_("published"), default=False)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
            # once per product, and once for the whole order (product empty); two partial constraints
            # because SQLite cannot treat NULLs as equal in one
            models.UniqueConstraint(fields=["member", "order", "product"], condition=Q(product__isnull=False),
                                    name="review_once_per_product"),
            models.UniqueConstraint(fields=["member", "order"], condition=Q(product__isnull=True),
                                    name="review_once_per_order"),
        ]

    def __str__(self):
        return f"{self.rating}★ {self.product_id or 'order'} by {self.member_id}"


class MemberOffer(models.Model):
    """A personal offer shown in the app and portal."""

    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="offers"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("campaign"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="offers"
    )
    title = models.CharField(_("title"), max_length=128)
    body = models.TextField(_("body"), blank=True)
    coupon = models.ForeignKey(
        "loyalty.Coupon", verbose_name=_("coupon"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    valid_until = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    cause_key = models.CharField(_("cause key"), max_length=128, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("personal offer")
        verbose_name_plural = _("personal offers")
        ordering = ["valid_until", "-id"]
        indexes = [models.Index(fields=["member", "valid_until"], name="offer_member_valid")]

    def __str__(self):
        return self.title


class ManagerTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="manager_tasks"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("campaign"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="manager_tasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="campaign_tasks", limit_choices_to={"is_staff": True}
    )
    title = models.CharField(_("title"), max_length=255)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    notes = models.TextField(_("notes"), blank=True)
    cause_key = models.CharField(_("cause key"), max_length=128, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("manager task")
        verbose_name_plural = _("manager tasks")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="manager_task_queue")]

    def __str__(self):
        return self.title
