"""DRF authentication for the members' app: `Authorization: Bearer <prefix>.<secret>`.

`request.user` is the Django user and `request.user.member` the member; `request.auth` the MemberToken.
"""
from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from .models import MemberToken
from .services.auth import member_token_find

KEYWORD = "Bearer"


class MemberTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0] != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed token.")
        token = member_token_find(raw=header[1])
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Unknown, expired or revoked token.")
        # Touch at most once a minute: a busy app should not write on every request.
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            MemberToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return (token.user, token)

    def authenticate_header(self, request):
        return KEYWORD


class IsMember(permissions.BasePermission):
    """Signed in as a user that is linked to a member."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and hasattr(user, "member"))
