"""Members' push devices: registration (from the app) and removal of tokens a provider reports dead."""
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import DomainError

from .models import Device


@transaction.atomic
def device_register(*, member, platform: str, push_token: str) -> Device:
    """Register a push token; idempotent, and a token seen on another member moves to this one."""
    if platform not in Device.Platform.values:
        raise DomainError(_("Unknown platform."), fields={"platform": [_("Not a valid choice.")]})
    device, _created = Device.objects.update_or_create(push_token=push_token,
                                                       defaults={"member": member, "platform": platform})
    return device


def devices_remove(*, push_tokens) -> int:
    """Forget tokens the provider called invalid or unregistered (one DELETE); returns how many went."""
    tokens = list(push_tokens)
    if not tokens:
        return 0
    deleted, _per_model = Device.objects.filter(push_token__in=tokens).delete()
    return deleted
