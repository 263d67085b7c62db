from django.db import models
from django.db.models import F, Q


class SpendTrend(models.TextChoices):
    DECLINING = "declining", "Declining"
    STABLE = "stable", "Stable"
    GROWING = "growing", "Growing"


class MemberStats(models.Model):
    """One row per member, refreshed set-based by segments.stats; the facts segments and RFM read.

    Values that change every day by themselves (days since the last purchase) are derived from stored
    dates at query time, so a daily refresh rewrites only the members whose facts changed.
    """

    member = models.OneToOneField("customers.Member", on_delete=models.CASCADE, primary_key=True, related_name="stats")
    orders_count = models.PositiveIntegerField(default=0)
    total_spent = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    avg_order_value = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    first_purchase_on = models.DateField(null=True)
    last_purchase_on = models.DateField(null=True, db_index=True)
    purchases_per_month = models.DecimalField(
        max_digits=8, decimal_places=3, null=True, help_text="Repeat purchases per month between the first and last."
    )
    median_days_between = models.DecimalField(max_digits=8, decimal_places=1, null=True)
    points_earned_30d = models.BigIntegerField(default=0)
    points_spent_30d = models.BigIntegerField(default=0)
    redemptions_count = models.PositiveIntegerField(default=0)
    referrals_count = models.PositiveIntegerField(default=0)
    email_opens_count = models.PositiveIntegerField(default=0)
    night_open_share = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, help_text="Share of opens 23:00–05:00 in the member's zone."
    )
    top_open_hour = models.PositiveSmallIntegerField(null=True)
    preferred_channel = models.CharField(max_length=8, blank=True)
    r_score = models.PositiveSmallIntegerField(null=True)
    f_score = models.PositiveSmallIntegerField(null=True)
    m_score = models.PositiveSmallIntegerField(null=True)
    rfm_code = models.CharField(max_length=3, blank=True, db_default="")
    rfm_segment = models.CharField(max_length=64, blank=True, db_default="")
    refreshed_on = models.DateField(null=True)
    # Lifetime value, written by analytics' fit_clv after the statistics refresh.
    predicted_purchases_90 = models.FloatField(null=True, help_text="BG/NBD: expected purchases, next 90 days.")
    predicted_purchases_365 = models.FloatField(null=True, help_text="BG/NBD: expected purchases, next 365 days.")
    prob_alive = models.FloatField(null=True, help_text="BG/NBD: probability the member is still a customer.")
    predicted_clv = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, help_text="Discounted expected spend over the next 12 months."
    )
    simple_clv = models.DecimalField(
        max_digits=14, decimal_places=2, null=True,
        help_text="Average order value × purchases per year × average retention in years.",
    )
    spend_trend = models.CharField(
        max_length=10, blank=True, choices=SpendTrend.choices, db_default="", default="",
        help_text="Spend in the last 90 days against the member's earlier rate.",
    )

    class Meta:
        verbose_name_plural = "member statistics"
        # Plain indexes: db_index on a CharField would add a second, LIKE-only index on PostgreSQL that no
        # query uses and that every refresh writing a million rows had to fill.
        indexes = [
            models.Index(fields=["rfm_code"], name="stats_rfm_code"),
            models.Index(fields=["rfm_segment"], name="stats_rfm_segment"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(r_score__isnull=True) | Q(r_score__range=(1, 5)), name="stats_r_score_range"
            ),
        ]

    def __str__(self):
        return f"Stats of {self.member_id}"


class RfmSegmentRule(models.Model):
    """One named cell block of the 5×5 recency × frequency grid. Together the rules cover it exactly once."""

    name = models.CharField(max_length=64)
    r_min = models.PositiveSmallIntegerField()
    r_max = models.PositiveSmallIntegerField()
    f_min = models.PositiveSmallIntegerField()
    f_max = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["-r_max", "-f_max"]
        constraints = [
            models.CheckConstraint(condition=Q(r_min__gte=1, r_max__lte=5, r_min__lte=F("r_max")), name="rfm_rule_r_range"),
            models.CheckConstraint(condition=Q(f_min__gte=1, f_max__lte=5, f_min__lte=F("f_max")), name="rfm_rule_f_range"),
        ]

    def __str__(self):
        return f"{self.name} (R {self.r_min}–{self.r_max}, F {self.f_min}–{self.f_max})"


class Segment(models.Model):
    class Kind(models.TextChoices):
        DYNAMIC = "dynamic", "Dynamic (rules)"
        STATIC = "static", "Static (uploaded list)"

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=128)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.DYNAMIC)
    rules = models.JSONField(default=dict, blank=True, help_text="The condition tree, built in the admin.")
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=0, help_text="Bumped by every committed refresh.")
    refreshed_at = models.DateTimeField(null=True, blank=True)
    member_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SegmentMembership(models.Model):
    """A member of a materialised segment, derived from the rules by set-based refreshes only.

    Refreshes write millions of rows selected from customers_member in the same statement, so the
    database-level foreign keys (a deferred check and a row lock on the member per row: half the cost
    of a first fill) and the single-column indexes (covered by the two below) are left out. Deleting a
    member or segment through Django still deletes their memberships (Django cascades, not the database).
    """

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships",
                                db_constraint=False, db_index=False)
    member = models.ForeignKey("customers.Member", on_delete=models.CASCADE, related_name="segment_memberships",
                               db_constraint=False, db_index=False)
    since = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["segment", "member"], name="membership_unique")]
        indexes = [models.Index(fields=["member", "segment"], name="membership_member")]


class SegmentMembershipChange(models.Model):
    """Who entered or left a segment, and by which refresh; campaigns trigger on entries."""

    class Kind(models.TextChoices):
        ENTERED = "entered", "Entered"
        LEFT = "left", "Left"

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="changes")
    member = models.ForeignKey("customers.Member", on_delete=models.CASCADE, related_name="segment_changes")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "member", "version"], name="membership_change_once_per_refresh")
        ]
        indexes = [models.Index(fields=["segment", "kind", "occurred_at"], name="membership_change_lookup")]


class SegmentSizeSnapshot(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="size_snapshots")
    taken_at = models.DateTimeField()
    members = models.PositiveIntegerField()
    entered = models.PositiveIntegerField(default=0)
    left = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-taken_at"]


class DirtyMember(models.Model):
    """A member whose data changed since segments were last evaluated for them."""

    member = models.OneToOneField("customers.Member", on_delete=models.CASCADE, primary_key=True, related_name="+")
    marked_at = models.DateTimeField(auto_now=True)


class MemberStatsRefresh(models.Model):
    """One run of the statistics refresh: when it finished and for whom (all members, with RFM, or some).

    The segment builder reads the latest full run to say when the statistics it counts on are missing or old.
    """

    finished_at = models.DateTimeField(db_index=True)
    as_of = models.DateField()
    members = models.PositiveIntegerField(null=True, help_text="How many members were refreshed; empty for all.")
    written = models.PositiveIntegerField(help_text="Rows whose statistics changed.")
    seconds = models.FloatField()

    class Meta:
        ordering = ["-finished_at"]
        indexes = [models.Index(fields=["-finished_at"], condition=models.Q(members__isnull=True),
                                name="stats_refresh_full_latest")]

    def __str__(self):
        return f"{'all' if self.members is None else self.members} members, {self.finished_at:%Y-%m-%d %H:%M}"
