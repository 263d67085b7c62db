"""Writes of the campaigns app; import services from here."""
from .outbox import outbox_send_due, transactional_enqueue  # noqa: F401
