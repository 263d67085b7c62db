"""Every chart: which page shows it, how it is drawn, and the selector that computes its table."""
from dataclasses import dataclass
from typing import Callable

from . import campaigns, clv, lifecycle, members, points
from .base import ChartData, DateRange  # noqa: F401


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    page: str
    kind: str  # stacked_area, line, bar, heatmap, sankey, pie, histogram
    selector: Callable[[DateRange], ChartData]
    note: str = ""


@dataclass(frozen=True)
class Page:
    slug: str
    title: str


PAGES = [
    Page("lifecycle", "Lifecycle journey"),
    Page("members", "RFM, segments and tiers"),
    Page("clv", "Customer lifetime value"),
    Page("points", "Points liability"),
    Page("campaigns", "Campaigns"),
]

CHARTS = {chart.slug: chart for chart in [
    Chart("stage-counts", "Members per lifecycle stage", "lifecycle", "stacked_area", lifecycle.stage_counts,
          "Members in each stage at the end of each sampled day."),
    Chart("stage-flows", "Flows between stages", "lifecycle", "sankey", lifecycle.stage_flows,
          "Moves recorded in the range, from the stage on the left to the one on the right."),
    Chart("rfm-grid", "RFM grid", "members", "heatmap", members.rfm_grid,
          "Buyers whose last purchase is in the range, by recency (R) and frequency (F) score."),
    Chart("segment-sizes", "Segment sizes over time", "members", "line", members.segment_sizes,
          "The largest segments, as their refreshes recorded them."),
    Chart("tiers", "Tier distribution", "members", "pie", members.tier_distribution,
          "Members registered in the range, by current tier."),
    Chart("clv-distribution", "Predicted CLV distribution", "clv", "histogram", clv.clv_distribution,
          "Predicted 12-month CLV (BG/NBD × Gamma-Gamma) of buyers whose last purchase is in the range."),
    Chart("clv-cohorts", "Predicted CLV by acquisition cohort and channel", "clv", "bar", clv.clv_by_cohort_and_channel,
          "Average predicted CLV of the members who registered each month, per registration channel."),
    Chart("clv-segments", "CLV by RFM segment", "clv", "bar", clv.clv_by_rfm_segment,
          "Average simple and predicted CLV per RFM segment."),
    Chart("points-liability", "Outstanding points and their value", "points", "line", points.points_liability,
          "Points outstanding at each month end (all ledger movements) and their value."),
    Chart("redemption-rate", "Redemption rate", "points", "bar", points.redemption_rate,
          "Points redeemed as a share of points earned each month."),
    Chart("campaign-funnels", "Campaign funnels", "campaigns", "bar", campaigns.campaign_funnels,
          "Campaigns with entries in the range; each campaign's whole funnel, from entry to purchase."),
    Chart("campaign-uplift", "Conversion uplift against the holdout", "campaigns", "uplift", campaigns.campaign_uplift,
          "Conversion rates of treated and holdout members, and the uplift with its 95 % interval (points)."),
]}


def chart_data(slug: str, date_range: DateRange) -> ChartData:
    return CHARTS[slug].selector(date_range)
