"""Writes: the heartbeat row."""
from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(*, name: str, now=None) -> None:
    """Stamp `name`'s heartbeat with `now` (one upsert; safe to run twice or in parallel)."""
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": now or timezone.now()})
