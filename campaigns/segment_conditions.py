"""Segment conditions on campaign responses, registered in the segments builder from CampaignsConfig.ready()
(segments sits below campaigns, so campaigns adds its own condition, as analytics does for its scores)."""
import datetime as dt

from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models import Value as V
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _

from core.timezones import shop_day_start
from customers.models import EngagementEvent
from loyalty.models import Order
from segments.rules.registry import Param, leaf

from .models import Campaign, CampaignEntry, OutboxMessage

RESPONSES = [("entered", _("entered it")), ("opened", _("opened its message")), ("clicked", _("clicked in its message")),
             ("converted", _("bought within its conversion window"))]


def _campaigns():
    return list(Campaign.objects.order_by("name").values_list("slug", "name"))


@leaf("campaign_response", _("Response to a campaign"), [
    Param("campaign", "choice", _("Campaign"), _campaigns),
    Param("response", "choice", _("Who"), RESPONSES, default="opened"),
    Param("within_days", "days", _("entered in the last"), required=False, unit=_("days")),
], group=_("Communications"))
def campaign_response(p, context):
    """Members who entered a campaign (holdout included), opened or clicked one of its messages (tracked by the
    message's own reference), or made a completed purchase within the campaign's conversion window after
    entering (as its results page counts a conversion). With `within_days`, only entries of that window."""
    campaign = Campaign.objects.get(slug=p["campaign"])
    entries = CampaignEntry.objects.filter(campaign=campaign, member=OuterRef("pk"))
    messages = OutboxMessage.objects.filter(entry__campaign=campaign, member=OuterRef("pk"))
    if p.get("within_days"):
        since = shop_day_start(context.as_of - dt.timedelta(days=p["within_days"] - 1))
        entries, messages = entries.filter(triggered_at__gte=since), messages.filter(entry__triggered_at__gte=since)
    response = p["response"]
    if response == "entered":
        return Q(Exists(entries))
    if response == "converted":
        window = dt.timedelta(days=campaign.effective_conversion_days)
        bought = Order.objects.filter(member=OuterRef("member"), status="completed", created_at__gt=OuterRef("triggered_at"),
                                      created_at__lte=OuterRef("triggered_at") + window)
        return Q(Exists(entries.filter(Exists(bought))))
    kinds = ["click"] if response == "clicked" else ["open", "click"]  # a click proves the message was opened
    messages = messages.annotate(ref=Concat(V("outbox-"), Cast("pk", CharField())))
    events = EngagementEvent.objects.filter(member=OuterRef("member"), message_ref=OuterRef("ref"), kind__in=kinds)
    return Q(Exists(messages.filter(Exists(events))))
