"""The portal's part of a member's personal data: app sessions in the export (never a token or a code); erasure
deletes them, with the sign-in codes, so nothing can sign in as the erased member (devices are messaging's)."""
from django.dispatch import receiver

from customers.personal_data import export_rows
from customers.signals import member_data_exported, member_erasing

from .models import MemberToken, SignInCode


@receiver(member_data_exported)
def portal_sections(sender, member, **kwargs):
    sessions = MemberToken.objects.filter(user_id=member.user_id) if member.user_id else MemberToken.objects.none()
    return {
        "app_sessions": export_rows(sessions.order_by("created_at"),
                                    "client", "created_at", "expires_at", "revoked_at", "last_used_at"),
    }


@receiver(member_erasing)
def portal_erase(sender, member, **kwargs):
    SignInCode.objects.filter(member=member).delete()
    if member.user_id:
        MemberToken.objects.filter(user_id=member.user_id).delete()
