"""Finding a member by the shop's id, also after staff merged duplicates."""
from core.rows import model_row
from customers.models import Member

from ..models import MemberMerge


def member_by_external_id(*, external_id: str) -> Member | None:
    """The member with this external id or, when it was a duplicate merged away, the member that absorbed it.

    A till that still knows a customer by their old card keeps working after the merge. None when neither.
    """
    member = model_row(Member, "external_id = %s", [external_id])  # every order: no ORM compile (core.rows)
    if member is not None:
        return member
    merge = MemberMerge.objects.filter(duplicate_external_id=external_id).select_related("survivor").first()
    return merge.survivor if merge else None
