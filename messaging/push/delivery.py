"""One logical push message to every device of a member, each device at most once."""
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

from ..devices import devices_remove
from ..models import Device, PushDelivery
from . import InvalidPushToken, PermanentPushError, PushNotification, TemporaryPushError, push_provider

logger = logging.getLogger(__name__)


@dataclass
class PushOutcome:
    sent: list[str] = field(default_factory=list)  # provider message ids, this attempt's and earlier ones'
    temporary: list[str] = field(default_factory=list)  # reasons
    permanent: list[str] = field(default_factory=list)  # reasons (invalid tokens included)

    @property
    def reason(self) -> str:
        return "; ".join(self.temporary + self.permanent)[:250]


def push_to_member(*, member_id: int, notification: PushNotification) -> PushOutcome:
    """Send `notification` to each of the member's devices that has no final outcome for it yet.

    Each device's answer is recorded (PushDelivery, keyed by the notification's ref and the device) as soon as it
    comes, outside any transaction, so a retry after a crash or a temporary failure skips the devices that
    already got it (at most the one in flight when a worker dies is sent again, and its collapse id makes the
    phone replace, not repeat, it). Devices whose token the provider calls invalid or unregistered are removed.
    A platform without a configured provider is skipped, recorded as failed. Two queries plus one write per
    device.
    """
    devices = list(Device.objects.filter(member_id=member_id).only("id", "platform", "push_token"))
    earlier = {device_id: (status, provider_id) for device_id, status, provider_id in PushDelivery.objects
               .filter(message_ref=notification.ref).values_list("device_id", "status", "provider_id")}
    outcome = PushOutcome(sent=[pid for status, pid in earlier.values() if status == PushDelivery.Status.SENT])
    dead = []
    for device in devices:
        if device.pk in earlier and earlier[device.pk][0] in PushDelivery.FINAL:
            continue
        status, provider_id, reason, name = PushDelivery.Status.SENT, "", "", ""
        try:
            provider = push_provider(device.platform)
            if provider is None:
                raise ImproperlyConfigured(f"no push provider for {device.platform}")
            name = provider.name
            provider_id = provider.send(token=device.push_token, notification=notification)
            outcome.sent.append(provider_id)
        except InvalidPushToken as error:
            status, reason = PushDelivery.Status.INVALID, str(error)
            dead.append(device.push_token)
        except (PermanentPushError, ImproperlyConfigured) as error:
            status, reason = PushDelivery.Status.FAILED, str(error)
        except TemporaryPushError as error:
            status, reason = PushDelivery.Status.TEMPORARY, str(error)
        if status == PushDelivery.Status.TEMPORARY:
            outcome.temporary.append(reason)
        elif reason:
            outcome.permanent.append(reason)
        values = {"member_id": member_id, "platform": device.platform, "provider": name, "status": status,
                  "provider_id": provider_id[:255], "reason": reason[:255]}
        if device.pk in earlier:  # a temporary failure last time
            PushDelivery.objects.filter(message_ref=notification.ref, device=device).update(**values)
        else:
            PushDelivery.objects.create(message_ref=notification.ref, device=device, **values)
    if dead:
        removed = devices_remove(push_tokens=dead)
        logger.info("push_tokens_removed member=%s count=%s ref=%s", member_id, removed, notification.ref)
    return outcome
