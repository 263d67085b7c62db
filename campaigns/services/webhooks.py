"""Webhooks: events queued to subscribers through the outbox, signed with HMAC-SHA256, replayable.

Receivers verify `X-Loyalty-Signature: t=<unix time>,v1=<hex>` where v1 = HMAC-SHA256(secret,
"<t>.<raw body>"); `X-Loyalty-Delivery` is unique per delivery and the body's `id` per event (a replay
keeps the event id, so receivers can drop repeats).
"""
import hashlib
import hmac
import json
import time

from django.db import connection
from django.utils import timezone

from core.process_cache import ProcessCache
from core.sql import is_postgres, timestamp_param

from ..models import OutboxMessage, OutboxStatus, Purpose, WebhookSubscription


def webhook_signature(*, secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_signature_verify(*, secret: str, body: bytes, header: str, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does: recompute the HMAC, compare in constant time, refuse stale timestamps."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = webhook_signature(secret=secret, body=body, timestamp=timestamp)
    return hmac.compare_digest(expected, header)


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
    """The signed body and headers of one delivery."""
    body = json.dumps(message.payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    secret = message.webhook_subscription.secret if message.webhook_subscription_id else ""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "loyalty-webhooks/1",
        "X-Loyalty-Event": str(message.payload.get("event", "")),
        "X-Loyalty-Delivery": message.idempotency_key,
        "X-Loyalty-Signature": webhook_signature(secret=secret, body=body, timestamp=int(time.time())),
    }
    return body, headers
