from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy as _
from simple_history.models import HistoricalRecords


class Trigger(models.TextChoices):
    STAGE_ENTERED = "stage_entered", _("Entered a lifecycle stage")
    SEGMENT_ENTERED = "segment_entered", _("Entered a segment")
    BIRTHDAY = "birthday", _("Birthday")
    BROADCAST = "broadcast", _("One-off broadcast to a segment")
    REPLENISHMENT_DUE = "replenishment_due", _("Replenishment due (analytics)")
    EVENT = "event", _("An event happened (events app)")


class Campaign(models.Model):
    """Who enters (the trigger), what they get (the steps), and which share is held out to measure uplift."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=128)
    description = models.TextField(_("description"), blank=True)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    stage = models.ForeignKey(
        "lifecycle.LifecycleStage", verbose_name=_("stage"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="campaigns"
    )
    segment = models.ForeignKey(
        "segments.Segment", verbose_name=_("segment"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_("Segment and broadcast campaigns: the segment they are about. Other triggers: the audience — only "
                    "members in this segment enter; empty = everyone the trigger picks."),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), null=True, blank=True,
        help_text=_("When several active campaigns share a trigger (the same stage), a member enters only the one "
                    "with the highest priority among those that have one. Empty: this campaign does not compete."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    holdout_percent = models.PositiveSmallIntegerField(
        _("holdout share, %"), default=10,
        help_text=_("Share of entrants (0–50 %) who get nothing, chosen by a stable hash of member and campaign.")
    )
    conversion_window_days = models.PositiveIntegerField(
        _("conversion window in days"), null=True, blank=True,
        help_text=_("Empty: the stage's conversion window (7 days for other triggers).")
    )
    action_window_days = models.PositiveIntegerField(
        _("action window in days"), null=True, blank=True,
        help_text=_("Messages must go out within this many days of the trigger. Empty: the stage's action window (7 "
                    "days for other triggers).")
    )
    event_type = models.ForeignKey(
        "events.EventType", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False,
        verbose_name=_("event"), help_text=_("Event campaigns: the event that starts the campaign (each event once per member)."))
    event_delay_seconds = models.PositiveIntegerField(
        _("delay (seconds)"), default=0, blank=True,
        help_text=_("Event campaigns: wait this long after the event before the member enters (14400 = 4 hours). A "
                    "newer event of the same type within the wait replaces it (the latest cart counts)."))
    unless_event_type = models.ForeignKey(
        "events.EventType", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False,
        verbose_name=_("unless"),
        help_text=_("Event campaigns: nobody enters who did this since the event (checked when the wait ends), "
                    "e.g. order_completed for an abandoned cart."))
    enters_once = models.BooleanField(
        _("enters once per member"), default=False,
        help_text=_("A member who entered this campaign never enters it again, and of several triggering events only "
                    "the earliest counts (e.g. the app's first start: a reinstall sends no second welcome)."))
    is_journey = models.BooleanField(
        _("run by a journey"), default=False,
        help_text=_("The steps are not planned on entry: a journey (Journeys) runs each one when a member reaches its "
                    "action node."))
    broadcast_launched_at = models.DateTimeField(_("broadcast launched at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The event fields stay out of the history: its table would need an index on each new foreign key, built
    # while the table takes writes (see core/tests/test_migrations_live.py).
    history = HistoricalRecords(excluded_fields=["event_type", "unless_event_type"])

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(holdout_percent__lte=50), name="campaign_holdout_at_most_half"),
            models.CheckConstraint(condition=~Q(trigger="stage_entered") | Q(stage__isnull=False),
                                   name="campaign_stage_trigger_has_stage"),
            models.CheckConstraint(condition=~Q(trigger__in=["segment_entered", "broadcast"]) | Q(segment__isnull=False),
                                   name="campaign_segment_trigger_has_segment"),
            models.CheckConstraint(condition=~Q(trigger="event") | Q(event_type__isnull=False),
                                   name="campaign_event_trigger_has_event_type"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.trigger == Trigger.STAGE_ENTERED and not self.stage_id:
            raise ValidationError({"stage": "Pick the stage whose entrants this campaign targets."})
        if self.trigger in (Trigger.SEGMENT_ENTERED, Trigger.BROADCAST) and not self.segment_id:
            raise ValidationError({"segment": "Pick the segment."})
        if self.trigger == Trigger.EVENT and not self.event_type_id:
            raise ValidationError({"event_type": gettext("Pick the event that starts the campaign.")})

    @property
    def effective_conversion_days(self) -> int:
        if self.conversion_window_days is not None:
            return self.conversion_window_days
        return self.stage.conversion_window_days if self.stage_id else 7

    @property
    def effective_action_window(self) -> tuple[int, int]:
        """(first, last) day after the trigger on which actions may happen."""
        if self.action_window_days is not None:
            return 0, self.action_window_days
        if self.stage_id:
            return self.stage.action_window_start_days, self.stage.action_window_end_days
        return 0, 7


class Action(models.TextChoices):
    MESSAGE = "message", _("Send a message")
    COUPON = "coupon", _("Issue a coupon")
    BONUS_POINTS = "bonus_points", _("Award bonus points")
    REVIEW_REQUEST = "review_request", _("Ask for a review of the last order")
    MANAGER_TASK = "manager_task", _("Create a task for a manager")
    OFFER = "offer", _("Show a personal offer in the app")


class StepCondition(models.TextChoices):
    ALWAYS = "", _("Always")
    NO_PURCHASE_SINCE_TRIGGER = "no_purchase", _("Only if no purchase since the trigger")


class CampaignStep(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    day_offset = models.PositiveSmallIntegerField(_("day"), default=0, help_text=_("Days after the trigger."))
    condition = models.CharField(_("condition"), max_length=16, choices=StepCondition.choices, blank=True, default="")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    # message
    channel = models.CharField(
        _("channel"), max_length=8, blank=True, choices=[("email", _("Email")), ("sms", _("SMS")), ("push", _("Push"))],
        help_text=_("Preferred channel; other consented channels are the fallback.")
    )
    # One variant per channel the message may go out on; fallback uses the variant of the channel it is sent
    # on and skips channels the step has none for. The email variant keeps the original field names.
    subject_template = models.CharField(_("email subject"), max_length=255, blank=True)
    body_template = models.TextField(
        _("email text"), blank=True,
        help_text=_("Django template. Context: member, first_name, points, tier, coupon_code, "
                    "usual_basket, personal_selection, review_url, offer. Empty: no email variant."),
    )
    html_template = models.TextField(_("email HTML"), blank=True,
                                     help_text=_("Optional. Empty: the text is sent as HTML too."))
    email_product_cards = models.PositiveSmallIntegerField(
        _("product cards"), default=0, validators=[MaxValueValidator(6)],
        help_text=_("How many products of the member's personal selection the email shows as cards under the text "
                    "(0: none, at most 6). Used when the email has no HTML of its own."))
    sms_template = models.TextField(_("SMS text"), blank=True, help_text=_("Empty: no SMS variant."))
    push_title_template = models.CharField(_("push title"), max_length=255, blank=True)
    push_body_template = models.TextField(_("push text"), blank=True, help_text=_("Empty: no push variant."))
    push_link = models.CharField(_("push deep link"), max_length=500, blank=True,
                                 help_text=_("Where the app opens, e.g. app://offers or /catalog/sale; a template."))
    # coupon / offer
    coupon_template = models.ForeignKey(
        "loyalty.CouponTemplate", verbose_name=_("coupon template"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+"
    )
    offer_title = models.CharField(_("offer title"), max_length=128, blank=True)
    offer_valid_days = models.PositiveSmallIntegerField(_("offer valid for days"), default=14)
    # bonus points
    bonus_points = models.PositiveIntegerField(_("bonus points"), default=0)
    bonus_valid_days = models.PositiveSmallIntegerField(
        _("bonus points valid for days"), null=True, blank=True, help_text=_("Empty: the points do not expire.")
    )
    # manager task
    task_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("task assignee"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", limit_choices_to={"is_staff": True}
    )
    task_due_days = models.PositiveSmallIntegerField(_("task due in days"), default=2)
    task_text = models.CharField(_("task text"), max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campaign step")
        verbose_name_plural = _("campaign steps")
        ordering = ["campaign", "day_offset", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(action="message") | ~Q(channel=""), name="step_message_has_channel"),
            models.CheckConstraint(condition=~Q(action="coupon") | Q(coupon_template__isnull=False),
                                   name="step_coupon_has_template"),
            models.CheckConstraint(condition=~Q(action="bonus_points") | Q(bonus_points__gt=0),
                                   name="step_bonus_has_points"),
        ]

    def __str__(self):
        return f"{self.campaign}: day {self.day_offset} {self.get_action_display()}"

    def clean(self):
        errors = {}
        campaign = getattr(self, "campaign", None)  # unset while the campaign itself is being created
        if campaign is not None and self.day_offset is not None:
            last_day = campaign.effective_action_window[1]
            if self.day_offset > last_day:
                errors["day_offset"] = gettext(
                    "Day %(day)s is after the campaign's action window ends (day %(last)s): the step would never run. "
                    "Move it earlier or lengthen the campaign's action window.") % {"day": self.day_offset,
                                                                                    "last": last_day}
        if self.action == Action.MESSAGE and not self.channel:
            errors["channel"] = "A message needs a channel."
        if self.action == Action.MESSAGE and self.channel and not self.has_variant(self.channel):
            field = VARIANT_TEXT_FIELDS[self.channel]
            errors[field] = gettext("A message needs a text for its own channel (%(channel)s).") % {
                "channel": self.get_channel_display()}
        if self.action == Action.COUPON and not self.coupon_template_id:
            errors["coupon_template"] = "Pick the coupon template."
        if self.action == Action.BONUS_POINTS and not self.bonus_points:
            errors["bonus_points"] = "How many points?"
        from django.template import TemplateSyntaxError

        from ..services.placeholders import PLACEHOLDERS, template_unknown_names

        for name in TEMPLATE_FIELDS:
            text = getattr(self, name)
            if not text:
                continue
            try:
                unknown = template_unknown_names(text)
            except TemplateSyntaxError as error:
                errors[name] = gettext("Template error: %(error)s") % {"error": error}
                continue
            if unknown:
                errors[name] = gettext("Unknown placeholder %(names)s: it would be empty in every message. "
                                       "Available: %(available)s.") % {
                    "names": ", ".join("{{ %s }}" % n for n in unknown),
                    "available": ", ".join(PLACEHOLDERS)}
        if errors:
            raise ValidationError(errors)

    def has_variant(self, channel: str) -> bool:
        """Whether the step has content for `channel` (its text field is filled)."""
        field = VARIANT_TEXT_FIELDS.get(channel)
        return bool(field and getattr(self, field).strip())

    @property
    def variant_channels(self) -> list[str]:
        return [channel for channel in VARIANT_TEXT_FIELDS if self.has_variant(channel)]


# The field whose text makes a channel's variant exist, and every field rendered as a template.
VARIANT_TEXT_FIELDS = {"email": "body_template", "sms": "sms_template", "push": "push_body_template"}
TEMPLATE_FIELDS = ["subject_template", "body_template", "html_template", "sms_template", "push_title_template",
                   "push_body_template", "push_link"]


class CampaignEntry(models.Model):
    """A member entering a campaign once per trigger occurrence; holdout members get an entry and nothing else."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="campaign_entries"
    )
    occurrence = models.CharField(
        _("occurrence"), max_length=64, help_text=_("Which trigger: stage day, segment refresh, birthday year…")
    )
    triggered_at = models.DateTimeField(_("triggered at"))
    is_holdout = models.BooleanField(_("holdout"), default=False)

    class Meta:
        verbose_name = _("campaign entry")
        verbose_name_plural = _("campaign entries")
        ordering = ["-triggered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member", "occurrence"], name="campaign_entry_once_per_occurrence"),
        ]
        indexes = [models.Index(fields=["campaign", "triggered_at"], name="campaign_entry_time")]

    def __str__(self):
        return f"{self.campaign_id}:{self.member_id}:{self.occurrence}"


class PlannedActionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class PlannedAction(models.Model):
    """A non-message step (coupon, points, review request, task, offer) due for one entry."""

    entry = models.ForeignKey(
        CampaignEntry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="planned_actions"
    )
    step = models.ForeignKey(
        CampaignStep, verbose_name=_("step"), on_delete=models.CASCADE, related_name="planned_actions"
    )
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"), max_length=8, choices=PlannedActionStatus.choices, default=PlannedActionStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    result_ref = models.CharField(
        _("result reference"), max_length=128, blank=True, help_text=_("Coupon code, ledger entry, task id…")
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("planned action")
        verbose_name_plural = _("planned actions")
        constraints = [models.UniqueConstraint(fields=["step", "entry"], name="planned_action_once")]
        indexes = [models.Index(fields=["due_at"], condition=Q(status="pending"), name="planned_action_due")]

    @property
    def cause_key(self) -> str:
        return f"campaign:{self.step_id}:{self.entry_id}"


class CampaignSettings(models.Model):
    """The send rules staff tune in admin (one row)."""

    max_per_day = models.PositiveSmallIntegerField(
        _("most per day"), default=1, help_text=_("Marketing messages per member per day.")
    )
    max_per_week = models.PositiveSmallIntegerField(
        _("most per week"), default=3, help_text=_("…and per rolling 7 days.")
    )
    quiet_hours_start = models.PositiveSmallIntegerField(
        _("quiet hours start"), default=21, help_text=_("No marketing from this hour…")
    )
    quiet_hours_end = models.PositiveSmallIntegerField(
        _("quiet hours end"), default=9, help_text=_("…until this hour, in the member's zone.")
    )
    default_send_hour = models.PositiveSmallIntegerField(
        _("default send hour"), default=11, help_text=_("When the member's best hour is unknown.")
    )
    channel_order = models.CharField(_("channel order"), max_length=32, default="email,push,sms",
                                     help_text=_("Fallback order when the member has no preferred channel."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("send rules")
        verbose_name_plural = _("send rules")
        constraints = [
            models.CheckConstraint(condition=Q(quiet_hours_start__lte=23, quiet_hours_end__lte=23,
                                               default_send_hour__lte=23), name="campaign_settings_hours"),
        ]

    def __str__(self):
        return "Send rules"

    @classmethod
    def current(cls) -> "CampaignSettings":
        return cls.objects.order_by("pk").first() or cls.objects.create()

    def is_quiet(self, hour: int) -> bool:
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if start == end:
            return False
        return start <= hour or hour < end if start > end else start <= hour < end
