"""A journey is a graph of nodes run for each entry of its campaign.

Members enter through the campaign (its trigger, audience, holdout and CampaignEntry rows, unchanged); a
JourneyMember row per treated entry holds where the member is, and a JourneyVisit row per node reached is the
log the admin counts members per node and per variant from. Edges are foreign keys: `next` (the only exit, or
"yes" / "the event happened") and `next_no` ("no" / "timed out"); a split's exits are its variants' `next`.
An empty exit ends the member's journey there.
"""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NodeKind(models.TextChoices):
    ACTION = "action", _("Action (a campaign step)")
    WAIT = "wait", _("Wait")
    BRANCH = "branch", _("Branch (yes / no)")
    SPLIT = "split", _("Split (A/B/n)")
    EXIT = "exit", _("Exit")


class Condition(models.TextChoices):
    OPENED = "opened", _("Opened the journey's message")
    CLICKED = "clicked", _("Clicked in the journey's message")
    PURCHASED = "purchased", _("Purchased since entering")
    IN_SEGMENT = "in_segment", _("Is in a segment")
    DID_EVENT = "did_event", _("Did an event since entering")


class SplitMode(models.TextChoices):
    FIXED = "fixed", _("Fixed shares")
    ADAPTIVE = "adaptive", _("Adaptive (Thompson sampling moves traffic to the better variant)")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("In the journey")
    DONE = "done", _("Finished")
    CONVERTED = "converted", _("Converted (left the journey)")


class Journey(models.Model):
    """The graph of one campaign (whose `is_journey` is set: its steps run only when an action node is reached)."""

    campaign = models.OneToOneField("campaigns.Campaign", on_delete=models.CASCADE, related_name="journey",
                                    verbose_name=_("campaign"),
                                    help_text=_("Who enters and when (trigger, audience, holdout), the steps the "
                                                "action nodes send, the conversion window and the results."))
    conversion_event_type = models.ForeignKey(
        "events.EventType", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("conversion event"),
        help_text=_("A member who does this within the campaign's conversion window leaves the journey and gets "
                    "nothing more. Empty: a completed order."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        ordering = ["campaign__name"]

    def __str__(self):
        return str(self.campaign)

    @property
    def start_node(self):
        """Members enter at the first node (lowest position)."""
        return self.nodes.order_by("position", "pk").first()


class JourneyNode(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="nodes", verbose_name=_("journey"))
    position = models.PositiveSmallIntegerField(_("position"), default=0,
                                                help_text=_("Order in the list; members enter at the first node."))
    name = models.CharField(_("name"), max_length=128, help_text=_("The box's label on the diagram."))
    kind = models.CharField(_("kind"), max_length=8, choices=NodeKind.choices)
    # action
    step = models.ForeignKey("campaigns.CampaignStep", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="journey_nodes", verbose_name=_("campaign step"),
                             help_text=_("Action nodes: the step of the journey's campaign to run (a message, a "
                                         "coupon, points…), with its consent, caps and quiet hours."))
    # wait
    wait_seconds = models.PositiveIntegerField(
        _("wait (seconds)"), default=0, blank=True,
        help_text=_("Wait nodes: how long to wait (3600 = an hour, 86400 = a day); with an event, the timeout."))
    wait_event_type = models.ForeignKey(
        "events.EventType", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False,
        verbose_name=_("until event"),
        help_text=_("Wait nodes: leave by the first exit as soon as the member does this, by the second at the "
                    "timeout. Empty: a fixed wait."))
    # branch
    condition = models.CharField(_("condition"), max_length=12, choices=Condition.choices, blank=True)
    condition_segment = models.ForeignKey("segments.Segment", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", db_index=False, verbose_name=_("segment"))
    condition_event_type = models.ForeignKey("events.EventType", null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="+", db_index=False, verbose_name=_("event"))
    condition_node = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        verbose_name=_("message of node"),
        help_text=_("Opened / clicked: the action node whose message counts. Empty: any message of this journey "
                    "since the member entered."))
    # split
    split_mode = models.CharField(_("split mode"), max_length=8, choices=SplitMode.choices, default=SplitMode.FIXED)
    shares_updated_at = models.DateTimeField(_("shares updated at"), null=True, blank=True, editable=False,
                                             help_text=_("Adaptive splits: when the variants' shares were last moved."))
    # edges
    next = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        verbose_name=_("next (yes / event)"),
        help_text=_("Where members go next; for a branch, when the condition holds; for a wait until an event, when "
                    "the event happens. Empty: the journey ends here."))
    next_no = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        verbose_name=_("next (no / timeout)"),
        help_text=_("Branches: where members go when the condition does not hold; waits until an event: at the "
                    "timeout. Empty: the journey ends there."))

    class Meta:
        verbose_name = _("journey node")
        verbose_name_plural = _("journey nodes")
        ordering = ["journey", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="action") | Q(step__isnull=False), name="journey_action_has_step"),
            models.CheckConstraint(condition=~Q(kind="branch") | ~Q(condition=""), name="journey_branch_has_condition"),
        ]

    def __str__(self):
        return self.name


class JourneyVariant(models.Model):
    """One arm of a split: its share of the traffic and where its members go."""

    node = models.ForeignKey(JourneyNode, on_delete=models.CASCADE, related_name="variants", verbose_name=_("split"))
    key = models.CharField(_("key"), max_length=8, help_text=_("A, B, C…"))
    name = models.CharField(_("name"), max_length=128, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("share, %"), default=50, help_text=_("Fixed splits: the share of traffic; adaptive: the starting share."))
    traffic_share = models.FloatField(
        _("current share"), default=0, editable=False,
        help_text=_("The share new members are assigned by now (adaptive splits move it after the results)."))
    next = models.ForeignKey(JourneyNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             db_index=False, verbose_name=_("next"),
                             help_text=_("Where this variant's members go. Empty: the journey ends (a control group)."))

    class Meta:
        verbose_name = _("split variant")
        verbose_name_plural = _("split variants")
        ordering = ["node", "key"]
        constraints = [models.UniqueConstraint(fields=["node", "key"], name="journey_variant_key_once")]

    def __str__(self):
        return f"{self.node}: {self.key}"


class JourneyMember(models.Model):
    """Where one entry (a member's pass through the journey) is: the node, since when, and when it is due."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="members", verbose_name=_("journey"))
    entry = models.OneToOneField("campaigns.CampaignEntry", on_delete=models.CASCADE, related_name="journey_member",
                                 verbose_name=_("entry"))
    member = models.ForeignKey("customers.Member", on_delete=models.CASCADE, related_name="+", verbose_name=_("member"))
    node = models.ForeignKey(JourneyNode, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
                             verbose_name=_("node"))
    status = models.CharField(_("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    entered_at = models.DateTimeField(_("entered at"))
    node_entered_at = models.DateTimeField(_("at the node since"))
    wake_at = models.DateTimeField(_("due at"), help_text=_("When the node acts (a wait's end; else on arrival)."))
    seq = models.PositiveIntegerField(_("nodes passed"), default=0)
    variant = models.ForeignKey(JourneyVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                db_index=False, verbose_name=_("variant"),
                                help_text=_("The variant of the latest split the member passed."))
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("member in a journey")
        verbose_name_plural = _("members in journeys")
        ordering = ["-entered_at", "-id"]
        indexes = [
            # the engine's per-node statements: who is at this node and due
            models.Index(fields=["journey", "node", "wake_at"], condition=Q(status="active"),
                         name="journey_member_due"),
        ]


class JourneyVisit(models.Model):
    """A member reaching a node (seq: the how-manieth node of the entry). `variant`: at a split, the variant the
    member was assigned there (its A/B results count these); elsewhere, the variant of the latest split passed."""

    journey_member = models.ForeignKey(JourneyMember, on_delete=models.CASCADE, related_name="visits",
                                       verbose_name=_("member in a journey"))
    seq = models.PositiveIntegerField(_("nodes passed"))
    node = models.ForeignKey(JourneyNode, on_delete=models.CASCADE, related_name="visits", verbose_name=_("node"))
    variant = models.ForeignKey(JourneyVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits",
                                verbose_name=_("variant"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("journey visit")
        verbose_name_plural = _("journey visits")
        ordering = ["journey_member", "seq"]
        constraints = [models.UniqueConstraint(fields=["journey_member", "seq"], name="journey_visit_once")]


class SplitAssignment(models.Model):
    """The variant a member was given at a split, once per member and split: a later entry of the same member keeps
    it even after the shares moved. Its own table so the engine reads it by the unique index, whatever the planner
    knows about the visits (a correlated search of the visits scanned them once per member: minutes at 40,000)."""

    # the unique (node, member) index serves the node; the member's own index serves erasing a member
    node = models.ForeignKey(JourneyNode, on_delete=models.CASCADE, related_name="+", db_index=False,
                             verbose_name=_("split"))
    member = models.ForeignKey("customers.Member", on_delete=models.CASCADE, related_name="+", verbose_name=_("member"))
    # deleting a variant forgets its assignments: those members are assigned again among the remaining ones
    variant = models.ForeignKey(JourneyVariant, on_delete=models.CASCADE, related_name="+", verbose_name=_("variant"))
    assigned_at = models.DateTimeField(_("assigned at"))

    class Meta:
        verbose_name = _("split assignment")
        verbose_name_plural = _("split assignments")
        constraints = [models.UniqueConstraint(fields=["node", "member"], name="journey_split_assignment_once")]
