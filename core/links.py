"""Links that leave the site (messages, referral, review, reset, unsubscribe and tracking links).

Every one starts with settings.PUBLIC_BASE_URL, never with the Host of the request being served: a
client chooses that header, so a link built from it could send a member's reset token to a stranger's
host. The ground floor, so every app may build its links here.
"""
from django.conf import settings
from django.urls import reverse


def public_url(path: str) -> str:
    """PUBLIC_BASE_URL joined with a site path (`/password-reset/` → `https://club.shop.ru/password-reset/`)."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + "/" + path.lstrip("/")


def public_url_for(name: str, *args) -> str:
    """The public address of a named URL pattern, as `reverse(name, args=args)` would give its path."""
    return public_url(reverse(name, args=args))
