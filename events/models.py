from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from jsonschema import SchemaError
from jsonschema.validators import validator_for


def schema_check(schema) -> None:
    """Raise ValidationError unless `schema` is a valid JSON Schema (the draft it names, else 2020-12)."""
    if not isinstance(schema, dict):
        raise ValidationError({"properties_schema": _("A JSON Schema is an object.")})
    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as error:
        raise ValidationError({"properties_schema": _("Not a valid JSON Schema: %(error)s") % {
            "error": error.message}}) from None


class EventType(models.Model):
    """A kind of event the shop, the app or the platform reports; its properties follow `properties_schema`."""

    key = models.SlugField(_("key"), max_length=64, unique=True, help_text=_("What clients send as `type`, e.g. cart_updated."))
    name = models.CharField(_("name"), max_length=128)
    description = models.TextField(_("description"), blank=True)
    properties_schema = models.JSONField(
        _("properties schema"), default=dict, blank=True,
        help_text=_("JSON Schema the event's properties must match; {} accepts any object."))
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive types are refused on ingest."))
    is_builtin = models.BooleanField(_("built in"), default=False, editable=False,
                                     help_text=_("Recorded by the platform itself; clients cannot send it."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("event type")
        verbose_name_plural = _("event types")

    def __str__(self):
        return self.key

    def save(self, *args, **kwargs):
        schema_check(self.properties_schema)  # a broken schema would refuse (or let through) everything
        super().save(*args, **kwargs)

    def clean(self):
        schema_check(self.properties_schema)


class Event(models.Model):
    """One thing a member (or an anonymous visitor) did. Append-only.

    On PostgreSQL the table is partitioned by month of `occurred_at` (its primary key is (id, occurred_at));
    replay safety lives in `EventReceipt`, not in a unique key here (see there).
    """

    source = models.CharField(_("source"), max_length=32,
                              help_text=_("Who sent it: api:<key id>, member:<id> or platform."))
    event_id = models.CharField(_("event id"), max_length=64, help_text=_("The sender's id of the event."))
    type = models.ForeignKey(EventType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type"))
    member = models.ForeignKey("customers.Member", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", verbose_name=_("member"))
    anonymous_id = models.CharField(_("anonymous id"), max_length=64, blank=True, default="")
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"))
    properties = models.JSONField(_("properties"), default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            # segment conditions: a member's events of a type in a window
            models.Index(fields=["member", "type", "occurred_at"], name="event_member_type_time"),
            # triggers, and "did X N times in D days": the members of a type's events in a window, from the
            # index alone (INCLUDE is PostgreSQL's; SQLite indexes type and time)
            models.Index(fields=["type", "occurred_at"], include=["member"], name="event_type_time_member"),
            # attaching an anonymous visitor's events once they sign in or order
            models.Index(fields=["anonymous_id"], condition=models.Q(member__isnull=True) & ~models.Q(anonymous_id=""),
                         name="event_anonymous"),
        ]

    def __str__(self):
        return f"{self.type_id}:{self.event_id}"


class EventReceipt(models.Model):
    """One row per (source, event id) ever ingested: a replay finds its receipt and is skipped.

    A separate small table rather than a unique key on the partitioned events table: PostgreSQL requires
    such a key to include the partition key (occurred_at), and a client that re-stamps the time on a
    retry would then be ingested twice. Receipts are purged with the partitions (EVENTS_RETENTION_MONTHS),
    and events older than that are refused, so a purged receipt cannot let an old replay in.
    """

    source = models.CharField(max_length=32)
    event_id = models.CharField(max_length=64)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "event_id"], name="event_receipt_once")]
        indexes = [models.Index(fields=["received_at"], name="event_receipt_received")]
