"""What portal pages share: the member-only decorator and showing a service's refusal on a form."""
from functools import wraps

from types import SimpleNamespace

from django.contrib.auth.views import redirect_to_login
from django.utils import timezone

from core.exceptions import DomainError
from core.throttling import ClientScopedRateThrottle
from core.timezones import zone_or_shop


def member_required(view):
    """Signed in with a user linked to a member; anyone else goes to the sign-in page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_authenticated and hasattr(request.user, "member")):
            return redirect_to_login(request.get_full_path())
        member = request.user.member
        with timezone.override(zone_or_shop(member.timezone)):  # times on the member's own clock
            return view(request, member, *args, **kwargs)

    return wrapper


def form_error(form, exc: DomainError):
    """Put a service's field messages on the form's fields, anything else on the form itself."""
    placed = False
    for field, messages in (exc.fields or {}).items():
        if isinstance(messages, dict):  # e.g. attributes: {key: [..]}
            for key, inner in messages.items():
                target = key if key in form.fields else None
                for message in inner:
                    form.add_error(target, message if target else f"{key}: {message}")
            placed = True
        elif field in form.fields:
            for message in messages:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def throttled(request, scope: str) -> bool:
    """True when this client address used up the API's rate for `scope` (the portal and the app share the counters)."""
    return not ClientScopedRateThrottle().allow_request(request, SimpleNamespace(throttle_scope=scope))
