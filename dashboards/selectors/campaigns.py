"""Campaign funnels and conversion uplift against the holdout, from the campaigns app's own results."""
import datetime as dt

from campaigns.models import Campaign
from campaigns.selectors import campaign_results
from core.timezones import shop_day_start

from .base import ChartData, DateRange

FUNNEL_STEPS = ["Entered (treated)", "Messages planned", "Sent", "Delivered", "Opened", "Clicked", "Converted (treated)"]
MAX_CAMPAIGNS = 12


def _campaigns(date_range: DateRange):
    """Campaigns with entries triggered in the range, most entries first (a bounded list: each is one query)."""
    start, end = shop_day_start(date_range.start), shop_day_start(date_range.end + dt.timedelta(days=1))
    return list(Campaign.objects.filter(entries__triggered_at__gte=start, entries__triggered_at__lt=end)
                .distinct().order_by("name")[:MAX_CAMPAIGNS])


def campaign_funnels(date_range: DateRange) -> ChartData:
    """Each campaign's funnel: treated entrants, messages planned, sent, delivered, opened, clicked, converted."""
    data = ChartData(columns=["campaign", *FUNNEL_STEPS])
    for campaign in _campaigns(date_range):
        steps = dict(campaign_results(campaign=campaign).funnel)
        data.rows.append([campaign.name, *(steps.get(step, 0) for step in FUNNEL_STEPS)])
    return data


def campaign_uplift(date_range: DateRange) -> ChartData:
    """Conversion rate of the treated group and of the holdout, and the uplift with its 95 % interval,
    in percentage points."""
    data = ChartData(columns=["campaign", "treated_conversion_pct", "holdout_conversion_pct", "uplift_pp",
                              "uplift_low_pp", "uplift_high_pp"])
    for campaign in _campaigns(date_range):
        results = campaign_results(campaign=campaign)
        uplift = results.uplift.points if results.uplift else (None, None, None)
        data.rows.append([campaign.name, round(results.treated.rate_percent, 2), round(results.holdout.rate_percent, 2),
                          *(None if v is None else round(v, 2) for v in uplift)])
    return data
