"""Campaigns' part of a member's personal data: messages sent (never a code or a reset link), campaign entries,
offers, reviews and manager tasks in the export; erasure blanks the messages' addresses and texts, reviews' and
tasks' free text, and offers' texts (which were rendered for the member)."""
from django.db.models import Q
from django.dispatch import receiver
from django.utils.translation import gettext

from customers.personal_data import ERASED_TEXT, export_rows, scrub
from customers.signals import member_data_exported, member_erasing

from .models import CampaignEntry, ManagerTask, MemberOffer, OutboxMessage, Purpose, Review


@receiver(member_data_exported)
def campaigns_sections(sender, member, **kwargs):
    messages = export_rows(
        OutboxMessage.objects.filter(member=member).exclude(purpose=Purpose.WEBHOOK).order_by("created_at", "id"),
        "purpose", "channel", "status", "subject", "body", "sent_channel", "sent_to", "sent_at", "created_at",
    )
    for message in messages:
        if message["purpose"] != Purpose.MARKETING:
            message["body"] = None  # transactional texts carry sign-in codes and reset links: secrets, not data
    return {
        "messages": messages,
        "campaign_entries": export_rows(CampaignEntry.objects.filter(member=member).order_by("triggered_at", "id"),
                                        "campaign__name", "triggered_at", "is_holdout"),
        "offers": export_rows(MemberOffer.objects.filter(member=member).order_by("created_at", "id"),
                              "title", "body", "valid_until", "created_at"),
        "reviews": export_rows(Review.objects.filter(member=member).order_by("created_at", "id"),
                               "order__external_id", "product__sku", "rating", "text", "is_published", "created_at"),
    }


@receiver(member_erasing)
def campaigns_erase(sender, member, identifiers, pseudonym, **kwargs):
    OutboxMessage.objects.filter(member=member).update(to="", sent_to="", subject="", body="", payload={})
    for pk, reason in OutboxMessage.objects.filter(member=member).exclude(reason="").values_list("pk", "reason"):
        if scrub(reason, identifiers) != reason:
            OutboxMessage.objects.filter(pk=pk).update(reason=scrub(reason, identifiers))
    Review.objects.filter(member=member).update(text="", is_published=False)
    MemberOffer.objects.filter(member=member).update(body="")
    for offer_pk, title in MemberOffer.objects.filter(member=member).values_list("pk", "title"):
        if scrub(title, identifiers) != title:
            MemberOffer.objects.filter(pk=offer_pk).update(title=scrub(title, identifiers))
    ManagerTask.objects.filter(member=member).update(title=gettext("Erased member %(id)s") % {"id": pseudonym},
                                                     notes="")
    # A planned message not yet sent would otherwise go out to nobody: drop it.
    OutboxMessage.objects.filter(Q(member=member), Q(status="pending")).update(status="suppressed", reason=ERASED_TEXT)
