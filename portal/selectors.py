"""Members' reads that no other app owns: referral summary, orders, consent history, editable attributes."""
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from core.links import public_url_for
from customers.models import AttributeDefinition, ConsentRecord, Member
from loyalty.models import LedgerEntry, LedgerEntryKind, Order, OrderStatus

# loyalty credits the referrer a bonus keyed `member:<friend>:referral:referrer` (loyalty.services.orders).
REFERRER_BONUS_KEY_SUFFIX = ":referral:referrer"


@dataclass(frozen=True)
class ReferralSummary:
    code: str
    link: str
    invited: int
    purchased: int
    earned_points: int


def member_referral_summary(*, member: Member) -> ReferralSummary:
    """The member's referral code and link, how many they invited, how many bought, points earned for it."""
    invited = Member.objects.filter(referred_by=member).aggregate(
        invited=Count("id", distinct=True),
        purchased=Count("id", filter=Q(orders__status=OrderStatus.COMPLETED), distinct=True),
    )
    earned = LedgerEntry.objects.filter(
        member=member, kind=LedgerEntryKind.BONUS, cause_key__endswith=REFERRER_BONUS_KEY_SUFFIX
    ).aggregate(total=Sum("points"))["total"] or 0
    link = public_url_for("portal:join", member.referral_code)
    return ReferralSummary(code=member.referral_code, link=link,
                           invited=invited["invited"], purchased=invited["purchased"], earned_points=earned)


def member_orders(*, member: Member):
    """The member's orders, newest first, with their lines and products in two extra queries."""
    return Order.objects.filter(member=member).prefetch_related("lines__product").order_by("-created_at", "-id")


def member_consent_history(*, member: Member, limit: int = 50):
    return ConsentRecord.objects.filter(member=member).order_by("-occurred_at", "-id")[:limit]


def member_editable_attributes():
    """Attribute definitions a member may answer, in their admin order."""
    return AttributeDefinition.objects.filter(member_editable=True).order_by("key")
