"""API keys: creation (the raw key is returned once), DRF authentication and a scope permission.

Clients send `Authorization: Api-Key <prefix>.<secret>`; the prefix finds the row, the secret's
SHA-256 is compared in constant time.
"""
import datetime as dt
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from .models import ApiKey
from .rows import model_row

KEYWORD = "Api-Key"
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, name: str, scopes: list[str], rate_limit: int | None = None) -> tuple[ApiKey, str]:
    """Create a key and return it with its raw value, which is not stored and cannot be shown again.

    The configuration history records the creation (with the hash, never the raw key).
    """
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name, prefix=prefix, key_hash=_digest(secret), scopes=list(scopes), rate_limit=rate_limit or None
    )
    return key, f"{prefix}.{secret}"


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> None:
    """Revoke the key once (a second call changes nothing); the revocation is a row of the key's history."""
    revoked = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        api_key.refresh_from_db()
        api_key.save(update_fields=["revoked_at"])  # the same value again, for the history row and its author


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0] != KEYWORD:
            return None
        if len(header) != 2 or "." not in header[1]:
            raise exceptions.AuthenticationFailed("Malformed API key.")
        prefix, secret = header[1].split(".", 1)
        key = model_row(ApiKey, "prefix = %s AND revoked_at IS NULL", [prefix])  # every API request: no ORM compile
        if key is None or not hmac.compare_digest(key.key_hash, _digest(secret)):
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        now = timezone.now()
        # At most once a minute: every request of a busy till writing the same row would queue on its lock.
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return (None, key)

    def authenticate_header(self, request):
        return KEYWORD


class HasApiScope(permissions.BasePermission):
    """The request carries an active API key with the view's `required_scope`."""

    message = "This API key may not use this endpoint."

    def has_permission(self, request, view):
        key = request.auth
        return isinstance(key, ApiKey) and view.required_scope in key.scopes
