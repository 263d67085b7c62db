from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.translated_content import translated, translations_field


class SpendTrend(models.TextChoices):
    DECLINING = "declining", _("Declining")
    STABLE = "stable", _("Stable")
    GROWING = "growing", _("Growing")


class MemberStats(models.Model):
    """One row per member, refreshed set-based by segments.stats; the facts segments and RFM read.

    Values that change every day by themselves (days since the last purchase) are derived from stored
    dates at query time, so a daily refresh rewrites only the members whose facts changed.
    """

    member = models.OneToOneField(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, primary_key=True, related_name="stats"
    )
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    total_spent = models.DecimalField(_("total spent"), max_digits=14, decimal_places=2, default=0)
    avg_order_value = models.DecimalField(_("average order value"), max_digits=12, decimal_places=2, null=True)
    first_purchase_on = models.DateField(_("first purchase"), null=True)
    last_purchase_on = models.DateField(_("last purchase"), null=True, db_index=True)
    purchases_per_month = models.DecimalField(
        _("purchases per month"), max_digits=8, decimal_places=3, null=True,
        help_text=_("Repeat purchases per month between the first and last.")
    )
    median_days_between = models.DecimalField(
        _("median days between purchases"), max_digits=8, decimal_places=1, null=True
    )
    points_earned_30d = models.BigIntegerField(_("points earned in 30 days"), default=0)
    points_spent_30d = models.BigIntegerField(_("points spent in 30 days"), default=0)
    redemptions_count = models.PositiveIntegerField(_("redemptions"), default=0)
    referrals_count = models.PositiveIntegerField(_("referrals"), default=0)
    email_opens_count = models.PositiveIntegerField(_("email opens"), default=0)
    night_open_share = models.DecimalField(
        _("share of night opens"), max_digits=4, decimal_places=3, null=True,
        help_text=_("Share of opens 23:00–05:00 in the member's zone.")
    )
    top_open_hour = models.PositiveSmallIntegerField(_("most common open hour"), null=True)
    preferred_channel = models.CharField(_("preferred channel"), max_length=8, blank=True)
    r_score = models.PositiveSmallIntegerField(_("R score"), null=True)
    f_score = models.PositiveSmallIntegerField(_("F score"), null=True)
    m_score = models.PositiveSmallIntegerField(_("M score"), null=True)
    rfm_code = models.CharField(_("RFM code"), max_length=3, blank=True, db_default="")
    rfm_segment = models.CharField(_("RFM segment"), max_length=64, blank=True, db_default="")
    refreshed_on = models.DateField(_("refreshed on"), null=True)
    # Lifetime value, written by analytics' fit_clv after the statistics refresh.
    predicted_purchases_90 = models.FloatField(
        _("expected purchases in 90 days"), null=True, help_text=_("BG/NBD: expected purchases, next 90 days.")
    )
    predicted_purchases_365 = models.FloatField(
        _("expected purchases in 365 days"), null=True, help_text=_("BG/NBD: expected purchases, next 365 days.")
    )
    prob_alive = models.FloatField(
        _("chance still a customer"), null=True, help_text=_("BG/NBD: probability the member is still a customer.")
    )
    predicted_clv = models.DecimalField(
        _("predicted CLV"), max_digits=14, decimal_places=2, null=True,
        help_text=_("Discounted expected spend over the next 12 months.")
    )
    simple_clv = models.DecimalField(
        _("simple CLV"), max_digits=14, decimal_places=2, null=True,
        help_text=_("Average order value × purchases per year × average retention in years."),
    )
    spend_trend = models.CharField(
        _("spend trend"), max_length=10, blank=True, choices=SpendTrend.choices, db_default="", default="",
        help_text=_("Spend in the last 90 days against the member's earlier rate."),
    )

    class Meta:
        verbose_name = _("member statistics")
        verbose_name_plural = _("member statistics")
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

    name = models.CharField(_("name"), max_length=64)
    r_min = models.PositiveSmallIntegerField(_("R from"))
    r_max = models.PositiveSmallIntegerField(_("R to"))
    f_min = models.PositiveSmallIntegerField(_("F from"))
    f_max = models.PositiveSmallIntegerField(_("F to"))
    description = models.TextField(_("description"), blank=True)
    # The name (in the shop's language) is what member statistics and segment rules store; other languages'
    # names are labels only (core.translated_content).
    translations = translations_field()

    class Meta:
        verbose_name = _("RFM segment rule")
        verbose_name_plural = _("RFM segment rules")
        ordering = ["-r_max", "-f_max"]
        constraints = [
            models.CheckConstraint(condition=Q(r_min__gte=1, r_max__lte=5, r_min__lte=F("r_max")), name="rfm_rule_r_range"),
            models.CheckConstraint(condition=Q(f_min__gte=1, f_max__lte=5, f_min__lte=F("f_max")), name="rfm_rule_f_range"),
        ]

    def __str__(self):
        return f"{translated(self, 'name')} (R {self.r_min}–{self.r_max}, F {self.f_min}–{self.f_max})"


class Segment(models.Model):
    class Kind(models.TextChoices):
        DYNAMIC = "dynamic", _("Dynamic (rules)")
        STATIC = "static", _("Static (uploaded list)")

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.DYNAMIC)
    rules = models.JSONField(
        _("rules"), default=dict, blank=True, help_text=_("The condition tree, built in the admin.")
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=0, help_text=_("Bumped by every committed refresh."))
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    member_count = models.PositiveIntegerField(_("members"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
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

    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), on_delete=models.CASCADE, related_name="memberships", db_constraint=False,
        db_index=False
    )
    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="segment_memberships",
        db_constraint=False, db_index=False
    )
    since = models.DateTimeField(_("since"))

    class Meta:
        verbose_name = _("segment membership")
        verbose_name_plural = _("segment memberships")
        constraints = [models.UniqueConstraint(fields=["segment", "member"], name="membership_unique")]
        indexes = [models.Index(fields=["member", "segment"], name="membership_member")]


class SegmentMembershipChange(models.Model):
    """Who entered or left a segment, and by which refresh; campaigns trigger on entries."""

    class Kind(models.TextChoices):
        ENTERED = "entered", _("Entered")
        LEFT = "left", _("Left")

    segment = models.ForeignKey(Segment, verbose_name=_("segment"), on_delete=models.CASCADE, related_name="changes")
    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="segment_changes"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    version = models.PositiveIntegerField(_("version"))

    class Meta:
        verbose_name = _("segment membership change")
        verbose_name_plural = _("segment membership changes")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "member", "version"], name="membership_change_once_per_refresh")
        ]
        indexes = [models.Index(fields=["segment", "kind", "occurred_at"], name="membership_change_lookup")]


class SegmentSizeSnapshot(models.Model):
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), on_delete=models.CASCADE, related_name="size_snapshots"
    )
    taken_at = models.DateTimeField(_("taken at"))
    members = models.PositiveIntegerField(_("members"))
    entered = models.PositiveIntegerField(_("entered"), default=0)
    left = models.PositiveIntegerField(_("left"), default=0)

    class Meta:
        verbose_name = _("segment size snapshot")
        verbose_name_plural = _("segment size snapshots")
        ordering = ["-taken_at"]


class DirtyMember(models.Model):
    """A member whose data changed since segments were last evaluated for them."""

    member = models.OneToOneField(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    marked_at = models.DateTimeField(_("marked at"), auto_now=True)

    class Meta:
        verbose_name = _("member to re-evaluate")
        verbose_name_plural = _("members to re-evaluate")


class MemberStatsRefresh(models.Model):
    """One run of the statistics refresh: when it finished and for whom (all members, with RFM, or some).

    The segment builder reads the latest full run to say when the statistics it counts on are missing or old.
    """

    finished_at = models.DateTimeField(_("finished at"), db_index=True)
    as_of = models.DateField(_("as of"))
    members = models.PositiveIntegerField(
        _("members"), null=True, help_text=_("How many members were refreshed; empty for all.")
    )
    written = models.PositiveIntegerField(_("written"), help_text=_("Rows whose statistics changed."))
    seconds = models.FloatField(_("seconds"))

    class Meta:
        verbose_name = _("statistics refresh")
        verbose_name_plural = _("statistics refreshes")
        ordering = ["-finished_at"]
        indexes = [models.Index(fields=["-finished_at"], condition=models.Q(members__isnull=True),
                                name="stats_refresh_full_latest")]

    def __str__(self):
        return f"{'all' if self.members is None else self.members} members, {self.finished_at:%Y-%m-%d %H:%M}"
