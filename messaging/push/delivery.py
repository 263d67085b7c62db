"""One logical push message to every device of a member, each device at most once."""
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from ..devices import devices_remove
from ..models import Device, PushDelivery
from . import InvalidPushToken, PermanentPushError, PushNotification, TemporaryPushError, push_provider

logger = logging.getLogger(__name__)


@dataclass
class PushOutcome:
    member_id: int = 0
    sent: list[str] = field(default_factory=list)  # provider message ids, this attempt's and earlier ones'
    temporary: list[str] = field(default_factory=list)  # reasons
    permanent: list[str] = field(default_factory=list)  # reasons (invalid tokens included)
    deliveries: list[PushDelivery] = field(default_factory=list)  # this attempt's answers, not saved yet
    dead_tokens: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(self.temporary + self.permanent)[:250]


@dataclass
class PushRecipients:
    """The devices of a batch's members and what each message already did on them (an earlier attempt's
    answers), read once for the batch."""

    member_ids: set
    refs: set
    devices: dict  # member id -> [Device]
    earlier: dict  # message ref -> {device id: (status, provider id)}

    def covers(self, member_id: int, ref: str) -> bool:
        return member_id in self.member_ids and ref in self.refs


def push_recipients(*, member_ids, refs) -> PushRecipients:
    """Two queries for any number of members and messages: their devices, and the messages' earlier outcomes."""
    member_ids, refs = set(member_ids), set(refs)
    devices = defaultdict(list)
    for device in Device.objects.filter(member_id__in=member_ids).only("id", "member_id", "platform", "push_token") \
            .order_by("id"):
        devices[device.member_id].append(device)
    earlier = defaultdict(dict)
    for ref, device_id, status, provider_id in PushDelivery.objects.filter(message_ref__in=refs).order_by() \
            .values_list("message_ref", "device_id", "status", "provider_id"):
        earlier[ref][device_id] = (status, provider_id)
    return PushRecipients(member_ids=member_ids, refs=refs, devices=devices, earlier=earlier)


def push_to_member(*, member_id: int, notification: PushNotification,
                   recipients: PushRecipients | None = None) -> PushOutcome:
    """Send `notification` to each of the member's devices that has no final outcome for it yet.

    `recipients` is what `push_recipients` read for the caller's whole batch (read here, two queries, when it
    does not cover this member and message). Nothing is written: each device's answer is in the outcome's
    `deliveries` and tokens the provider calls invalid or unregistered in its `dead_tokens`, for
    `push_outcomes_save`, which the caller runs in the transaction that records the message's own outcome. So
    a retry (after a crash or a temporary failure) skips the devices that already got it, and a crash between
    the sends and that transaction re-sends only this message, whose collapse id makes the phone replace, not
    repeat, it. A platform without a configured provider is skipped, recorded as failed.
    """
    if recipients is None or not recipients.covers(member_id, notification.ref):
        recipients = push_recipients(member_ids={member_id}, refs={notification.ref})
    earlier = recipients.earlier.get(notification.ref, {})
    outcome = PushOutcome(member_id=member_id,
                          sent=[pid for status, pid in earlier.values() if status == PushDelivery.Status.SENT])
    for device in recipients.devices.get(member_id, ()):
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
            outcome.dead_tokens.append(device.push_token)
        except (PermanentPushError, ImproperlyConfigured) as error:
            status, reason = PushDelivery.Status.FAILED, str(error)
        except TemporaryPushError as error:
            status, reason = PushDelivery.Status.TEMPORARY, str(error)
        if status == PushDelivery.Status.TEMPORARY:
            outcome.temporary.append(reason)
        elif reason:
            outcome.permanent.append(reason)
        outcome.deliveries.append(PushDelivery(
            message_ref=notification.ref, device_id=device.pk, member_id=member_id, platform=device.platform,
            provider=name, status=status, provider_id=provider_id[:255], reason=reason[:255]))
    return outcome


@transaction.atomic(savepoint=False)
def push_outcomes_save(outcomes: list[PushOutcome]) -> None:
    """Record each device's answer (one upsert: an earlier temporary failure is overwritten) and remove the
    devices whose tokens are dead. Runs in the caller's transaction, with the messages' own outcomes.

    A device removed since the batch read it (its member, or another worker told its token was dead) is
    recorded without it; the devices still there are locked against removal until the commit.
    """
    deliveries = [delivery for outcome in outcomes for delivery in outcome.deliveries]
    if deliveries:
        alive = set(Device.objects.select_for_update(no_key=True).filter(pk__in={d.device_id for d in deliveries})
                    .order_by().values_list("pk", flat=True))
        for delivery in deliveries:
            if delivery.device_id not in alive:
                delivery.device_id = None
        PushDelivery.objects.bulk_create(
            deliveries, update_conflicts=True, unique_fields=["message_ref", "device"],
            update_fields=["member", "platform", "provider", "status", "provider_id", "reason", "updated_at"])
    for outcome in outcomes:
        if outcome.dead_tokens:
            removed = devices_remove(push_tokens=outcome.dead_tokens)
            logger.info("push_tokens_removed member=%s count=%s", outcome.member_id, removed)
