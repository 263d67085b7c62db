"""Journeys in the admin: the journey with its nodes inline (edges pick nodes of the same journey), a node's page
with its split variants, and the members' state and visits read-only. The graph is checked on every save."""
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignStep
from core.admin_durations import DurationFieldsAdminMixin

from .admin_pages import diagram_view, split_results_view
from .models import Journey, JourneyMember, JourneyNode, JourneyVariant, JourneyVisit, NodeKind
from .services.graph import graph_problems

NODE_EDGES = ("next", "next_no", "condition_node")


class NodeFormSet(BaseInlineFormSet):
    def clean(self):
        """The graph as edited (saved nodes with their new values; deleted ones gone) must pass the checks."""
        super().clean()
        if any(self.errors):
            return
        nodes = [form.instance for form in self.forms
                 if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.instance.pk]
        problems = graph_problems(nodes)
        if problems:
            raise ValidationError(problems)


WAIT_FIELDS = {"wait_seconds": (_("wait"), _("Wait nodes: how long to wait; with an event, the longest wait for it."))}
NODE_FIELDSETS = [
    (None, {"fields": [("position", "name", "kind")]}),
    (_("Action"), {"fields": ["step"]}),
    (_("Wait"), {"fields": [("wait_seconds", "wait_event_type")]}),
    (_("Branch"), {"fields": [("condition", "condition_segment"), ("condition_event_type", "condition_node")]}),
    (_("Split"), {"fields": ["split_mode"]}),
    (_("Next"), {"fields": [("next", "next_no")]}),
]


class JourneyNodeInline(DurationFieldsAdminMixin, admin.StackedInline):
    """One block per node, its fields grouped by what the node does (a table of thirteen columns ran 2,900 px wide
    at 1,366)."""

    model = JourneyNode
    formset = NodeFormSet
    extra = 1
    show_change_link = True  # a split's variants are edited on the node's own page
    fieldsets = NODE_FIELDSETS
    duration_fields = WAIT_FIELDS

    def get_formset(self, request, obj=None, **kwargs):
        self.journey = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        journey = getattr(self, "journey", None)
        if db_field.name in NODE_EDGES:
            kwargs["queryset"] = JourneyNode.objects.filter(journey=journey) if journey else JourneyNode.objects.none()
        if db_field.name == "step":
            kwargs["queryset"] = (CampaignStep.objects.filter(campaign_id=journey.campaign_id) if journey
                                  else CampaignStep.objects.none())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "trigger", "is_active", "members_count", "converted_count"]
    list_select_related = ["campaign"]
    search_fields = ["campaign__name", "campaign__slug"]
    inlines = [JourneyNodeInline]
    readonly_fields = ["diagram_link", "graph_check", "created_at"]
    fields = ["campaign", "conversion_event_type", "diagram_link", "graph_check", "created_at"]

    def get_urls(self):
        diagram = path("<int:pk>/diagram/", self.admin_site.admin_view(lambda request, pk: diagram_view(self, request, pk)),
                       name="journeys_journey_diagram")
        return [diagram, *super().get_urls()]

    @admin.display(description=_("diagram"))
    def diagram_link(self, journey):
        if not journey.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:journeys_journey_diagram", args=[journey.pk]),
                           _("Boxes and arrows, with the members who passed each node"))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            members_total=Count("members", distinct=True))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "campaign":
            from campaigns.models import Campaign

            kwargs["queryset"] = Campaign.objects.filter(is_journey=True)
            kwargs["help_text"] = _("A campaign with “run by a journey” ticked: create it under Campaigns first, "
                                    "with its trigger and the steps the action nodes send.")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("trigger"))
    def trigger(self, journey):
        return journey.campaign.get_trigger_display()

    @admin.display(description=_("active"), boolean=True)
    def is_active(self, journey):
        return journey.campaign.is_active

    @admin.display(description=_("members"))
    def members_count(self, journey):
        return journey.members_total

    @admin.display(description=_("converted"))
    def converted_count(self, journey):
        return journey.members.filter(status="converted").count()

    @admin.display(description=_("graph check"))
    def graph_check(self, journey):
        if not journey.pk:
            return "—"
        problems = graph_problems(list(journey.nodes.all()))
        return "; ".join(problems) if problems else _("No problems found.")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        problems = graph_problems(list(form.instance.nodes.all()))
        for problem in problems:  # new nodes' edges are set on the next save; say what still needs doing
            self.message_user(request, problem, messages.WARNING)


class JourneyVariantInline(admin.TabularInline):
    model = JourneyVariant
    fk_name = "node"
    extra = 2
    fields = ["key", "name", "weight", "traffic_share", "next"]
    readonly_fields = ["traffic_share"]

    def get_formset(self, request, obj=None, **kwargs):
        self.split = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "next":
            split = getattr(self, "split", None)
            kwargs["queryset"] = (JourneyNode.objects.filter(journey_id=split.journey_id) if split
                                  else JourneyNode.objects.none())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(JourneyNode)
class JourneyNodeAdmin(DurationFieldsAdminMixin, admin.ModelAdmin):
    list_display = ["name", "journey", "kind", "position", "visits_count"]
    list_filter = ["kind"]
    list_select_related = ["journey__campaign"]
    inlines = [JourneyVariantInline]
    readonly_fields = ["results_link"]
    fieldsets = [(None, {"fields": ["journey", ("position", "name", "kind")]}), *NODE_FIELDSETS[1:4],
                 (_("Split"), {"fields": ["split_mode", "results_link"]}), NODE_FIELDSETS[5]]
    duration_fields = WAIT_FIELDS

    def get_urls(self):
        results = path("<int:pk>/results/",
                       self.admin_site.admin_view(lambda request, pk: split_results_view(self, request, pk)),
                       name="journeys_journeynode_results")
        return [results, *super().get_urls()]

    @admin.display(description=_("A/B results"))
    def results_link(self, node):
        if not node.pk or node.kind != NodeKind.SPLIT:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:journeys_journeynode_results", args=[node.pk]),
                           _("Conversions, revenue and the probability that each variant is best"))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(visits_total=Count("visits"))

    @admin.display(description=_("members who reached it"))
    def visits_count(self, node):
        return node.visits_total

    def get_inlines(self, request, obj):
        return [JourneyVariantInline] if obj is not None and obj.kind == NodeKind.SPLIT else []

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        journey = form.instance.journey
        for problem in graph_problems(list(journey.nodes.all())):
            self.message_user(request, problem, messages.WARNING)


@admin.register(JourneyMember)
class JourneyMemberAdmin(admin.ModelAdmin):
    list_display = ["member", "journey", "node", "status", "variant", "entered_at", "wake_at"]
    list_filter = ["status", "journey"]
    list_select_related = ["member", "journey__campaign", "node", "variant"]
    raw_id_fields = ["member", "entry"]
    search_fields = ["member__external_id", "member__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JourneyVisit)
class JourneyVisitAdmin(admin.ModelAdmin):
    list_display = ["journey_member", "seq", "node", "variant", "at"]
    list_select_related = ["node", "variant", "journey_member"]
    list_filter = ["node__journey"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
