"""Webhooks: events queued to subscribers through the outbox, signed per the Standard Webhooks
specification (standardwebhooks.com), replayable.

Each delivery carries `webhook-id` (the event id: the same on every retry and replay, so receivers drop
repeats), `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`: space-separated
`v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")>`, one per active secret, where the key is the
base64-decoded part of the subscription's `whsec_` secret. After a rotation the previous secret signs
too, until CAMPAIGNS_WEBHOOK_SECRET_OVERLAP_HOURS have passed, so receivers can switch secrets at leisure.
Any Standard Webhooks library verifies them; `webhook_signature_verify` is the bundled verifier.
"""
import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Mapping

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.process_cache import ProcessCache
from core.sql import is_postgres, timestamp_param

from ..models import OutboxMessage, OutboxStatus, Purpose, WebhookSubscription
from ..models.webhooks import new_webhook_secret, webhook_secret_key


def webhook_signature(*, secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: one `v1,<base64>` per secret, space-separated."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(webhook_secret_key(secret), signed, hashlib.sha256).digest()).decode()
        for secret in secrets)


def webhook_signature_verify(*, secret: str, body: bytes, headers: Mapping[str, str], tolerance: int = 300,
                             now: float | None = None) -> bool:
    """What a receiver does: any `v1` signature of the header that matches the secret's, compared in
    constant time, within `tolerance` seconds of the timestamp. Several signatures (a rotation) are fine."""
    headers = {name.lower(): value for name, value in headers.items()}
    try:
        msg_id, timestamp = headers["webhook-id"], int(headers["webhook-timestamp"])
        expected = base64.b64decode(webhook_signature(secrets=[secret], msg_id=msg_id, timestamp=timestamp,
                                                      body=body).partition(",")[2])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    matched = False
    for signature in headers.get("webhook-signature", "").split(" "):
        version, _sep, value = signature.partition(",")
        try:
            candidate = base64.b64decode(value, validate=True)
        except ValueError:
            continue
        # every candidate is compared, so the time taken does not tell which one matched
        matched |= version == "v1" and hmac.compare_digest(expected, candidate)
    return matched


def webhook_secrets_active(subscription: WebhookSubscription, *, now: dt.datetime | None = None) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one until its overlap ends."""
    now = now or timezone.now()
    active = [subscription.secret]
    if subscription.previous_secret and subscription.previous_secret_expires_at and \
            subscription.previous_secret_expires_at > now:
        active.append(subscription.previous_secret)
    return active


@transaction.atomic
def webhook_secret_rotate(*, subscription: WebhookSubscription, now: dt.datetime | None = None) -> WebhookSubscription:
    """Give the subscription a new secret; the current one keeps signing (a second signature) for
    CAMPAIGNS_WEBHOOK_SECRET_OVERLAP_HOURS. Two secrets at most: rotating again within the overlap drops
    the oldest. Locks the row, so parallel rotations apply one after the other."""
    now = now or timezone.now()
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    locked.previous_secret = locked.secret
    locked.previous_secret_expires_at = now + dt.timedelta(hours=settings.CAMPAIGNS_WEBHOOK_SECRET_OVERLAP_HOURS)
    locked.secret = new_webhook_secret()
    locked.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return locked


# Every earned point and issued coupon asks who listens: a hot path, so the active subscriptions are cached.
_active_subscriptions = ProcessCache(
    "webhook_subscriptions", lambda: tuple(WebhookSubscription.objects.filter(is_active=True)),
    models=(WebhookSubscription,),
)


def _subscriptions(event: str) -> list[WebhookSubscription]:
    return [s for s in _active_subscriptions.get() if event in s.events]


def webhook_event_publish(*, event: str, key: str, data: dict) -> int:
    """Queue `event` for every active subscriber in the caller's transaction; once per (subscriber, key)."""
    now = timezone.now()
    rows = [OutboxMessage(dedupe_key=f"webhook:{s.pk}:{key}", purpose=Purpose.WEBHOOK, channel="webhook", to=s.url,
                          webhook_subscription=s, due_at=now,
                          payload={"id": key, "event": event, "occurred_at": now.isoformat(), "data": data})
            for s in _subscriptions(event)]
    return len(OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)) if rows else 0


def _json_object(pairs: dict[str, str]) -> str:
    function = "json_build_object" if is_postgres() else "json_object"
    body = ", ".join(f"'{name}', {expression}" for name, expression in pairs.items())
    return f"{function}({body})" + ("::jsonb" if is_postgres() else "")


def _insert_from_select(*, event: str, key_sql: str, data: dict[str, str], from_sql: str, params: list) -> int:
    """Set-based publish: one INSERT … SELECT per subscriber for many events at once."""
    now, queued = timezone.now(), 0
    for subscription in _subscriptions(event):
        payload = _json_object({"id": key_sql, "event": f"'{event}'", "occurred_at": f"'{now.isoformat()}'",
                                "data": _json_object(data)})
        sql = f"""
            INSERT INTO campaigns_outboxmessage
                (dedupe_key, purpose, member_id, channel, "to", subject, body, payload, webhook_subscription_id,
                 status, reason, due_at, attempts, claimed_by, sent_channel, sent_to, provider_id, created_at)
            SELECT 'webhook:{int(subscription.pk)}:' || {key_sql}, 'webhook', src.member_id, 'webhook', %s, '', '',
                   {payload}, {int(subscription.pk)}, 'pending', '', %s, 0, '', '', '', '', %s
              {from_sql}
            ON CONFLICT (dedupe_key) DO NOTHING"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [subscription.url, timestamp_param(now), timestamp_param(now), *params])
            queued += cursor.rowcount
    return queued


def webhooks_for_stage_transitions(*, occurred_on, member_id_range=None) -> int:
    low, high = member_id_range or (0, 2**62)
    return _insert_from_select(
        event="stage.changed", key_sql="'stage:' || CAST(src.id AS TEXT)",
        data={"member": "m.external_id", "from_stage": "fs.slug", "to_stage": "ts.slug",
              "occurred_on": "CAST(src.occurred_on AS TEXT)"},
        from_sql="""FROM lifecycle_stagetransition src JOIN customers_member m ON m.id = src.member_id
                    LEFT JOIN lifecycle_lifecyclestage fs ON fs.id = src.from_stage_id
                    LEFT JOIN lifecycle_lifecyclestage ts ON ts.id = src.to_stage_id
                   WHERE src.occurred_on = %s AND src.member_id BETWEEN %s AND %s""",
        params=[occurred_on if is_postgres() else occurred_on.isoformat(), low, high],
    )


def webhooks_for_segment_entries(*, since) -> int:
    return _insert_from_select(
        event="segment.entered", key_sql="'segment:' || CAST(src.id AS TEXT)",
        data={"member": "m.external_id", "segment": "sg.slug", "version": "src.version"},
        from_sql="""FROM segments_segmentmembershipchange src JOIN customers_member m ON m.id = src.member_id
                    JOIN segments_segment sg ON sg.id = src.segment_id
                   WHERE src.kind = 'entered' AND src.occurred_at >= %s""",
        params=[timestamp_param(since)],
    )


def outbox_replay(*, message: OutboxMessage) -> OutboxMessage | None:
    """Queue a webhook delivery again (same event id, new delivery id); None for other messages."""
    if message.purpose != Purpose.WEBHOOK or message.status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
        return None
    replays = OutboxMessage.objects.filter(dedupe_key__startswith=f"{message.dedupe_key}:replay:").count()
    return OutboxMessage.objects.create(
        dedupe_key=f"{message.dedupe_key}:replay:{replays + 1}", purpose=Purpose.WEBHOOK, channel="webhook",
        to=message.to, webhook_subscription_id=message.webhook_subscription_id, payload=message.payload,
        due_at=timezone.now(),
    )


def webhook_request(message: OutboxMessage) -> tuple[bytes, dict]:
    """The signed body and headers of one delivery (Standard Webhooks), signed now by every active secret."""
    from ..channels import PermanentSendError

    if not message.webhook_subscription_id:
        raise PermanentSendError("the webhook subscription was deleted")
    body = json.dumps(message.payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    msg_id, timestamp = str(message.payload.get("id") or message.idempotency_key), int(time.time())
    try:
        signature = webhook_signature(secrets=webhook_secrets_active(message.webhook_subscription),
                                      msg_id=msg_id, timestamp=timestamp, body=body)
    except ValueError as error:  # a secret that is not whsec_ base64: no retry mends it
        raise PermanentSendError(f"invalid webhook secret: {error}") from error
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "loyalty-webhooks/2",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
        "X-Loyalty-Event": str(message.payload.get("event", "")),
        "X-Loyalty-Delivery": message.idempotency_key,  # unique per delivery (a replay gets a new one)
    }
    return body, headers
