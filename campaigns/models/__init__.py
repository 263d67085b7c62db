from .outbox import OutboxMessage, OutboxStatus, Purpose  # noqa: F401
