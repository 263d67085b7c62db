"""Finding a member by the shop's id, also after staff merged duplicates."""
from core.rows import model_row
from customers.models import Member
from customers.selectors import member_lookup

from ..models import MemberAccount, MemberMerge


def member_by_external_id(*, external_id: str) -> Member | None:
    """The member with this external id or, when it was a duplicate merged away, the member that absorbed it.

    A till that still knows a customer by their old card keeps working after the merge. None when neither.
    """
    member = model_row(Member, "external_id = %s", [external_id])  # every order: no ORM compile (core.rows)
    if member is not None:
        return member
    merge = MemberMerge.objects.filter(duplicate_external_id=external_id).select_related("survivor").first()
    return merge.survivor if merge else None


def member_account_attach(member: Member) -> Member:
    """Give `member` its account and the account's tier, as `select_related("account__tier")` would (no account:
    `member.account` raises as it would). One hand-written read; the tier from the cached programme config."""
    account = model_row(MemberAccount, "member_id = %s", [member.pk])
    _ACCOUNT_OF_MEMBER.set_cached_value(member, account)
    if account is not None:
        _MEMBER_OF_ACCOUNT.set_cached_value(account, member)
        _tier_attach(account)
    return member


def member_lookup_with_account(*, phone: str = "", email: str = "", card: str = "") -> Member:
    """`customers.selectors.member_lookup` with the member's account and tier attached as `member_account_attach`
    does, in the lookup's own statement (the till's lookup: one round trip fewer)."""
    member = member_lookup(phone=phone, email=email, card=card, with_one=_ACCOUNT_OF_MEMBER.name)
    account = _ACCOUNT_OF_MEMBER.get_cached_value(member)
    if account is not None:
        _tier_attach(account)
    return member


def _tier_attach(account: MemberAccount) -> None:
    from ..services.earning import earning_config  # here: services.earning imports the selectors package

    tiers = {tier.pk: tier for tier in earning_config().tiers}
    if account.tier_id is None or account.tier_id in tiers:  # else read when asked (a tier newer than the cache)
        _TIER_OF_ACCOUNT.set_cached_value(account, tiers.get(account.tier_id))


_MEMBER_OF_ACCOUNT = MemberAccount._meta.get_field("member")
_ACCOUNT_OF_MEMBER = _MEMBER_OF_ACCOUNT.remote_field
_TIER_OF_ACCOUNT = MemberAccount._meta.get_field("tier")
