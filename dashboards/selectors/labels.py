"""What the charts' legends and tooltips call each column, in the reader's language.

The tables (and their CSV downloads) keep machine names such as `avg_simple_clv`; the page shows these
words instead. Columns named after data (a stage, a segment, a channel) are shown as they are.
"""
from django.utils.translation import gettext_lazy as _

COLUMN_LABELS = {
    "day": _("Day"),
    "month": _("Month"),
    "cohort_month": _("Registration month"),
    "members": _("Members"),
    "from_stage": _("From stage"),
    "to_stage": _("To stage"),
    "r_score": _("Recency (R)"),
    "f_score": _("Frequency (F)"),
    "tier": _("Tier"),
    "rfm_segment": _("RFM segment"),
    "clv_from": _("CLV from"),
    "clv_to": _("CLV to"),
    "avg_simple_clv": _("Average CLV to date"),
    "avg_predicted_clv": _("Average predicted CLV, 12 months"),
    "outstanding_points": _("Points outstanding"),
    "outstanding_value": _("Their value"),
    "earned": _("Points earned"),
    "redeemed": _("Points redeemed"),
    "redemption_rate_percent": _("Redeemed, % of earned"),
    "campaign": _("Campaign"),
    "treated_conversion_pct": _("Treated, %"),
    "holdout_conversion_pct": _("Holdout, %"),
    "uplift_pp": _("Uplift, pp (95 % interval)"),
    "uplift_low_pp": _("Uplift, lower bound"),
    "uplift_high_pp": _("Uplift, upper bound"),
    # the funnel's steps (campaigns.results names them)
    "Entered (treated)": _("Entered (treated)"),
    "Messages planned": _("Messages planned"),
    "Sent": _("Sent"),
    "Delivered": _("Delivered"),
    "Opened": _("Opened"),
    "Clicked": _("Clicked"),
    "Converted (treated)": _("Converted (treated)"),
    # message delivery (dashboards.selectors.delivery)
    "channel": _("Channel"),
    "sent": _("Sent"),
    "delivered": _("Delivered"),
    "opened": _("Opened"),
    "clicked": _("Clicked"),
    "bounced": _("Bounced"),
    "complained": _("Complaints"),
    "unsubscribed": _("Unsubscribed"),
    "delivered_percent": _("Delivered, % of sent"),
    "open_percent": _("Opened, % of delivered"),
    "click_percent": _("Clicked, % of delivered"),
    "bounce_percent": _("Bounced, % of sent"),
    "complaint_percent": _("Complaints, % of sent"),
    "email": _("Email"),
    "sms": _("SMS"),
    "push": _("Push"),
    # values the selectors write into rows
    "Active": _("Active"),
    "No tier": _("No tier"),
}


def column_labels(columns: list[str]) -> dict[str, str]:
    """Each of `columns` as the page shows it (a column without a label keeps its own name)."""
    return {column: str(COLUMN_LABELS.get(column, column)) for column in columns}
