import os
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.translated_content import translations_field


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Push")


class Gender(models.TextChoices):
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")
    UNKNOWN = "", _("Unknown")


class RegistrationChannel(models.TextChoices):
    WEB = "web", _("Web shop")
    APP = "app", _("Mobile app")
    POS = "pos", _("Store (POS)")
    IMPORT = "import", _("Import")


def new_referral_code():
    return secrets.token_hex(5).upper()


class Member(models.Model):
    """A loyalty-programme member: one person the shop knows by its own customer id."""

    external_id = models.CharField(_("external ID"), max_length=64, unique=True, help_text=_("The shop's customer id."))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="member"
    )
    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    card_number = models.CharField(_("card number"), max_length=32, blank=True, db_index=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True, default=Gender.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    region = models.CharField(
        _("region"), max_length=64, blank=True, db_index=True, help_text=_("E.g. a federal district: ЦФО.")
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    timezone = models.CharField(_("timezone"), max_length=64, default="Europe/Moscow")
    registered_at = models.DateTimeField(_("registered at"), db_index=True)
    registration_channel = models.CharField(
        _("registration channel"), max_length=8, choices=RegistrationChannel.choices, default=RegistrationChannel.WEB
    )
    referral_code = models.CharField(_("referral code"), max_length=16, unique=True, default=new_referral_code)
    referred_by = models.ForeignKey(
        "self", verbose_name=_("referred by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="referrals"
    )
    # Current consent state, kept in step with ConsentRecord (the proof) by customers.services.consent_set.
    personal_data_consent = models.BooleanField(_("personal data consent"), default=False)
    email_consent = models.BooleanField(_("email consent"), default=False)
    sms_consent = models.BooleanField(_("SMS consent"), default=False)
    push_consent = models.BooleanField(_("push consent"), default=False)
    preferred_channel = models.CharField(_("preferred channel"), max_length=8, choices=Channel.choices, blank=True)
    attributes = models.JSONField(
        _("attributes"), default=dict, blank=True, help_text=_("Zero-party data, keyed by AttributeDefinition.key.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
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
    PERSONAL_DATA = "personal_data", _("Processing of personal data")
    EMAIL = "email", _("Marketing by email")
    SMS = "sms", _("Marketing by SMS")
    PUSH = "push", _("Marketing by push")


class ConsentRecord(models.Model):
    """One grant or withdrawal: when, how and from where. Append-only; the proof the law asks for."""

    class Method(models.TextChoices):
        CHECKBOX = "checkbox", _("Checkbox on a form")
        DOUBLE_OPT_IN = "double_opt_in", _("Confirmed by email link")
        PAPER = "paper", _("Signed paper form")
        UNSUBSCRIBE_LINK = "unsubscribe_link", _("Unsubscribe link")
        STAFF = "staff", _("Changed by staff")
        IMPORT = "import", _("Imported")
        API = "api", _("Through the API")
        COMPLAINT = "complaint", _("Marked as spam (provider's complaint report)")

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="consent_records"
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    occurred_at = models.DateTimeField(_("occurred at"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    source = models.CharField(
        _("source"), max_length=64, blank=True, help_text=_("Where: web, app, store 12, admin user…")
    )
    evidence = models.TextField(_("evidence"), blank=True, help_text=_("IP address, form version, document number."))

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["member", "purpose", "-occurred_at"])]

    def __str__(self):
        return f"{self.member_id} {self.purpose} {'granted' if self.granted else 'withdrawn'} {self.occurred_at:%Y-%m-%d}"


class AttributeDefinition(models.Model):
    """A zero-party attribute staff define without code; values live in Member.attributes[key]."""

    class Type(models.TextChoices):
        BOOL = "bool", _("Yes / no")
        INT = "int", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        TEXT = "text", _("Text")
        CHOICE = "choice", _("Choice")
        DATE = "date", _("Date")

    key = models.SlugField(_("key"), max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=128)
    type = models.CharField(_("type"), max_length=8, choices=Type.choices)
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_('For "choice": the allowed values, e.g. ["cat", "dog"].')
    )
    multiple = models.BooleanField(
        _("several values"), default=False, help_text=_("For choice: the member may pick several values.")
    )
    member_editable = models.BooleanField(
        _("members may edit"), default=True, help_text=_("Members may set it in the app and portal.")
    )
    description = models.TextField(_("description"), blank=True)
    translations = translations_field()

    class Meta:
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
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
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        OPEN = "open", _("Opened")
        CLICK = "click", _("Clicked")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
        BOUNCE = "bounce", _("Bounced")
        COMPLAINT = "complaint", _("Marked as spam")

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="engagement_events"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    message_ref = models.CharField(_("message reference"), max_length=64, blank=True)
    # Imported history (an ESP's export) names its campaign and link; our own sends are found by message_ref.
    campaign = models.CharField(_("campaign"), max_length=255, blank=True, default="", db_default="")
    url = models.CharField(_("URL"), max_length=2048, blank=True, default="", db_default="")
    import_key = models.CharField(
        _("import key"), max_length=64, null=True, blank=True, unique=True,
        help_text=_("Imported events: a hash of member, kind, time, channel, campaign and URL, so a re-import adds "
                    "nothing."),
    )

    class Meta:
        verbose_name = _("engagement event")
        verbose_name_plural = _("engagement events")
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

    member = models.OneToOneField(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="erasure")
    pseudonym = models.CharField(_("pseudonym"), max_length=64, unique=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("erased by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+"
    )
    erased_at = models.DateTimeField(_("erased at"))

    class Meta:
        verbose_name = _("member erasure")
        verbose_name_plural = _("member erasures")
        ordering = ["-erased_at"]

    def __str__(self):
        return f"{self.pseudonym} {self.erased_at:%Y-%m-%d %H:%M}"


class ImportFileStorage(FileSystemStorage):
    """Uploaded import files and their reports under settings.IMPORT_FILES_DIR: never under a served root and
    with no URL; staff download a report through the admin, which checks their permission."""

    @property
    def base_location(self):
        return str(settings.IMPORT_FILES_DIR)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Import files are private: download them through the admin.")


import_file_storage = ImportFileStorage()


def import_files_storage():
    return import_file_storage


class ImportJob(models.Model):
    """One file staff uploaded in the admin and imported in the background (customers.importing.jobs)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Uploaded, not started")
        PENDING = "pending", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=32)
    file = models.FileField(_("file"), upload_to="uploads/%Y/%m/", storage=import_files_storage, max_length=255,
                            blank=True)
    file_name = models.CharField(_("file name"), max_length=255)  # as uploaded; also the consent proof's source
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)  # {file header: known column or ""}
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    rows_total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    extra = models.JSONField(_("other counts"), default=dict, blank=True)
    errors_file = models.FileField(_("bad rows"), upload_to="reports/%Y/%m/", storage=import_files_storage,
                                   max_length=255, blank=True)
    failure = models.TextField(_("why it failed"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)  # the running task's last progress
    files_deleted_at = models.DateTimeField(_("files deleted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.kind} {self.file_name} {self.created_at:%Y-%m-%d %H:%M}"
