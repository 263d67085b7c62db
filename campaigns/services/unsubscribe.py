from django.core import signing
from django.db import transaction

from customers.models import ConsentRecord, Member
from customers.services import consent_set

from .rendering import UNSUBSCRIBE_SALT


@transaction.atomic
def member_unsubscribe(*, token: str, confirm: bool) -> tuple[Member, str]:
    """Withdraw the marketing consent the signed token names (when `confirm`); raises BadSignature.

    Messages already queued for that channel are stopped by the send-time consent check.
    """
    member_id, channel = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    member = Member.objects.get(pk=member_id)
    if confirm and member.has_consent(channel):
        consent_set(member=member, purpose=channel, granted=False, method=ConsentRecord.Method.UNSUBSCRIBE_LINK,
                    source="message link")
    return member, channel
