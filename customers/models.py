import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    PUSH = "push", "Push"


class Gender(models.TextChoices):
    FEMALE = "f", "Female"
    MALE = "m", "Male"
    UNKNOWN = "", "Unknown"


class RegistrationChannel(models.TextChoices):
    WEB = "web", "Web shop"
    APP = "app", "Mobile app"
    POS = "pos", "Store (POS)"
    IMPORT = "import", "Import"


def new_referral_code():
    return secrets.token_hex(5).upper()


class Member(models.Model):
    """A loyalty-programme member: one person the shop knows by its own customer id."""

    external_id = models.CharField(max_length=64, unique=True, help_text="The shop's customer id.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True, db_index=True)
    card_number = models.CharField(max_length=32, blank=True, db_index=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True, default=Gender.UNKNOWN)
    birth_date = models.DateField(null=True, blank=True)
    region = models.CharField(max_length=64, blank=True, db_index=True, help_text="E.g. a federal district: ЦФО.")
    city = models.CharField(max_length=100, blank=True)
    timezone = models.CharField(max_length=64, default="Europe/Moscow")
    registered_at = models.DateTimeField(db_index=True)
    registration_channel = models.CharField(
        max_length=8, choices=RegistrationChannel.choices, default=RegistrationChannel.WEB
    )
    referral_code = models.CharField(max_length=16, unique=True, default=new_referral_code)
    referred_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    # Current consent state, kept in step with ConsentRecord (the proof) by customers.services.consent_set.
    personal_data_consent = models.BooleanField(default=False)
    email_consent = models.BooleanField(default=False)
    sms_consent = models.BooleanField(default=False)
    push_consent = models.BooleanField(default=False)
    preferred_channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    attributes = models.JSONField(default=dict, blank=True, help_text="Zero-party data, keyed by AttributeDefinition.key.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(external_id=""), name="member_external_id_not_empty"),
            models.CheckConstraint(condition=~Q(referred_by=models.F("id")), name="member_not_self_referred"),
        ]

    def __str__(self):
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name or self.email or self.phone or 'Member'} ({self.external_id})"

    def has_consent(self, channel: str) -> bool:
        return bool(getattr(self, f"{channel}_consent", False))


class ConsentPurpose(models.TextChoices):
    PERSONAL_DATA = "personal_data", "Processing of personal data"
    EMAIL = "email", "Marketing by email"
    SMS = "sms", "Marketing by SMS"
    PUSH = "push", "Marketing by push"


class ConsentRecord(models.Model):
    """One grant or withdrawal: when, how and from where. Append-only; the proof the law asks for."""

    class Method(models.TextChoices):
        CHECKBOX = "checkbox", "Checkbox on a form"
        DOUBLE_OPT_IN = "double_opt_in", "Confirmed by email link"
        PAPER = "paper", "Signed paper form"
        UNSUBSCRIBE_LINK = "unsubscribe_link", "Unsubscribe link"
        STAFF = "staff", "Changed by staff"
        IMPORT = "import", "Imported"
        API = "api", "Through the API"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consent_records")
    purpose = models.CharField(max_length=16, choices=ConsentPurpose.choices)
    granted = models.BooleanField()
    occurred_at = models.DateTimeField()
    method = models.CharField(max_length=20, choices=Method.choices)
    source = models.CharField(max_length=64, blank=True, help_text="Where: web, app, store 12, admin user…")
    evidence = models.TextField(blank=True, help_text="IP address, form version, document number.")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["member", "purpose", "-occurred_at"])]

    def __str__(self):
        return f"{self.member_id} {self.purpose} {'granted' if self.granted else 'withdrawn'} {self.occurred_at:%Y-%m-%d}"


class AttributeDefinition(models.Model):
    """A zero-party attribute staff define without code; values live in Member.attributes[key]."""

    class Type(models.TextChoices):
        BOOL = "bool", "Yes / no"
        INT = "int", "Whole number"
        DECIMAL = "decimal", "Decimal number"
        TEXT = "text", "Text"
        CHOICE = "choice", "Choice"
        DATE = "date", "Date"

    key = models.SlugField(max_length=64, unique=True)
    label = models.CharField(max_length=128)
    type = models.CharField(max_length=8, choices=Type.choices)
    choices = models.JSONField(default=list, blank=True, help_text='For "choice": the allowed values, e.g. ["cat", "dog"].')
    multiple = models.BooleanField(default=False, help_text="For choice: the member may pick several values.")
    member_editable = models.BooleanField(default=True, help_text="Members may set it in the app and portal.")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=["bool", "int", "decimal", "text", "choice", "date"]), name="attribute_type_valid"
            ),
        ]

    def __str__(self):
        return self.label


class EngagementEvent(models.Model):
    class Kind(models.TextChoices):
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        OPEN = "open", "Opened"
        CLICK = "click", "Clicked"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribed"
        BOUNCE = "bounce", "Bounced"
        COMPLAINT = "complaint", "Marked as spam"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="engagement_events")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    message_ref = models.CharField(max_length=64, blank=True)
    # Imported history (an ESP's export) names its campaign and link; our own sends are found by message_ref.
    campaign = models.CharField(max_length=255, blank=True, default="", db_default="")
    url = models.CharField(max_length=2048, blank=True, default="", db_default="")
    import_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True,
        help_text="Imported events: a hash of member, kind, time, channel, campaign and URL, so a re-import adds nothing.",
    )

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["member", "occurred_at"], name="engagement_member_time"),
            models.Index(fields=["kind", "occurred_at"], name="engagement_kind_time"),
            # Opens and clicks by member, covering what the statistics refresh reads of them: it scans them
            # member by member without touching the table, and skips the sends, two events in three.
            models.Index(fields=["member", "occurred_at"], include=["kind", "channel"],
                         # an OR, not IN: its definition reads back the same, so a bulk load can rebuild it
                         condition=Q(kind="open") | Q(kind="click"), name="engagement_member_response"),
        ]

    def __str__(self):
        return f"{self.member_id} {self.channel} {self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"


class MemberErasure(models.Model):
    """The audit row of a member's erasure (152-FZ / GDPR): who erased whom, when, and the pseudonymous id the
    member's ledger, orders and consent proof are kept under. One per member."""

    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="erasure")
    pseudonym = models.CharField(max_length=64, unique=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField()

    class Meta:
        ordering = ["-erased_at"]
        verbose_name = "member erasure"

    def __str__(self):
        return f"{self.pseudonym} {self.erased_at:%Y-%m-%d %H:%M}"
