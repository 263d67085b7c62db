"""Every chart: which page shows it, how it is drawn, and the selector that computes its table."""
from dataclasses import dataclass
from typing import Callable

from django.utils.translation import gettext_lazy as _

from . import campaigns, clv, delivery, lifecycle, members, points
from .base import ChartData, DateRange  # noqa: F401


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    page: str
    kind: str  # stacked_area, line, bar, heatmap, sankey, pie, histogram
    selector: Callable[[DateRange], ChartData]
    note: str = ""
    unit: str = "count"  # what the values are: count or money (a *_value or *_percent column says so itself)


@dataclass(frozen=True)
class Page:
    slug: str
    title: str


PAGES = [
    Page("lifecycle", _("Lifecycle journey")),
    Page("members", _("RFM, segments and tiers")),
    Page("clv", _("Customer lifetime value")),
    Page("points", _("Points liability")),
    Page("campaigns", _("Campaigns")),
    Page("delivery", _("Message delivery")),
]

CHARTS = {chart.slug: chart for chart in [
    Chart("stage-counts", _("Members per lifecycle stage"), "lifecycle", "stacked_area", lifecycle.stage_counts,
          _("Members in each stage at the end of each sampled day.")),
    Chart("stage-flows", _("Flows between stages"), "lifecycle", "sankey", lifecycle.stage_flows,
          _("Moves recorded in the range, from the stage on the left to the one on the right.")),
    Chart("rfm-grid", _("RFM grid"), "members", "heatmap", members.rfm_grid,
          _("Buyers whose last purchase is in the range, by recency (R) and frequency (F) score.")),
    Chart("segment-sizes", _("Segment sizes over time"), "members", "line", members.segment_sizes,
          _("The largest segments, as their refreshes recorded them.")),
    Chart("tiers", _("Tier distribution"), "members", "pie", members.tier_distribution,
          _("Members registered in the range, by current tier.")),
    Chart("clv-distribution", _("Predicted CLV distribution"), "clv", "histogram", clv.clv_distribution,
          _("Predicted 12-month CLV (BG/NBD × Gamma-Gamma) of buyers whose last purchase is in the range."),
          unit="money"),
    Chart("clv-cohorts", _("Predicted CLV by acquisition cohort and channel"), "clv", "bar", clv.clv_by_cohort_and_channel,
          _("Average predicted CLV of the members who registered each month, per registration channel."),
          unit="money"),
    Chart("clv-segments", _("CLV by RFM segment"), "clv", "bar", clv.clv_by_rfm_segment,
          _("Average simple and predicted CLV per RFM segment."), unit="money"),
    Chart("points-liability", _("Outstanding points and their value"), "points", "line", points.points_liability,
          _("Points outstanding at each month end (all ledger movements) and their value.")),
    Chart("redemption-rate", _("Redemption rate"), "points", "bar", points.redemption_rate,
          _("Points redeemed as a share of points earned each month.")),
    Chart("campaign-funnels", _("Campaign funnels"), "campaigns", "bar", campaigns.campaign_funnels,
          _("Campaigns with entries in the range; each campaign's whole funnel, from entry to purchase.")),
    Chart("campaign-uplift", _("Conversion uplift against the holdout"), "campaigns", "uplift", campaigns.campaign_uplift,
          _("Conversion rates of treated and holdout members, and the uplift with its 95 % interval (points).")),
    Chart("delivery-channels", _("Delivery per channel"), "delivery", "bar", delivery.channel_totals,
          _("Messages sent in the range per channel, what the providers reported of them (each message once per "
            "kind), and the rates: delivered, bounced and complained of sent; opened and clicked of delivered.")),
    Chart("delivery-email", _("Email per day"), "delivery", "bar", delivery.channel_daily("email"),
          _("Emails sent each day (shop's calendar) and the reports received that day, with the rates.")),
    Chart("delivery-sms", _("SMS per day"), "delivery", "bar", delivery.channel_daily("sms"),
          _("SMS sent each day (shop's calendar) and the reports received that day, with the rates.")),
    Chart("delivery-push", _("Push per day"), "delivery", "bar", delivery.channel_daily("push"),
          _("Push messages sent each day (shop's calendar) and the reports received that day, with the rates.")),
]}


def chart_data(slug: str, date_range: DateRange) -> ChartData:
    return CHARTS[slug].selector(date_range)
