from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy as _

from core.admin_durations import DurationFieldsAdminMixin
from core.admin_history import ConfigurationHistoryAdmin

from .models import (
    Campaign, CampaignEntry, CampaignSettings, CampaignStep, MemberOffer, OutboxMessage, PlannedAction,
    SECRET_PLACEHOLDER, Review, ReviewRequest, WebhookSubscription,
)
from .services.message_content import step_fallback_gaps, step_variant_previews
from . import admin_manager_tasks  # noqa: F401  (registers the managers' queue)


class CampaignStepInline(admin_manager_tasks.StaffAssigneeMixin, admin.StackedInline):
    model = CampaignStep
    extra = 0
    staff_assignee_fields = ("task_assignee",)
    # Each section names the actions it belongs to (step-for-<action>); campaigns/step_form.js shows only
    # the sections of the action chosen, and every section when scripts are off.
    fieldsets = [
        (None, {"fields": [("position", "day_offset", "action", "condition")]}),
        (_("Message"), {"fields": ["channel", "variant_warnings", "placeholders"],
                        "classes": ["step-section", "step-for-message"]}),
        (_("Email variant"), {"fields": ["subject_template", "body_template", "html_template", "email_product_cards"],
                              "classes": ["step-section", "step-for-message"]}),
        (_("SMS variant"), {"fields": ["sms_template", "sms_segments"], "classes": ["step-section", "step-for-message"]}),
        (_("Push variant"), {"fields": ["push_title_template", "push_body_template", "push_link"],
                             "classes": ["step-section", "step-for-message"]}),
        (_("Preview"), {"fields": ["preview"], "classes": ["step-section", "step-for-message"]}),
        (_("Coupon / offer"), {"fields": [("coupon_template", "offer_title", "offer_valid_days")],
                               "classes": ["step-section", "step-for-coupon", "step-for-offer"]}),
        (_("Bonus points"), {"fields": [("bonus_points", "bonus_valid_days")],
                             "classes": ["step-section", "step-for-bonus_points"]}),
        (_("Manager task"), {"fields": [("task_assignee", "task_due_days", "task_text")],
                             "classes": ["step-section", "step-for-manager_task"]}),
    ]
    readonly_fields = ["variant_warnings", "sms_segments", "preview", "placeholders", "timing"]

    class Media:
        js = ["campaigns/step_form.js"]

    def get_fieldsets(self, request, obj=None):
        """A journey's steps run when members reach its nodes: the form shows that timing instead of a day."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not obj.is_journey:
            return fieldsets
        first, *rest = fieldsets
        return [(first[0], {**first[1], "fields": [("position", "timing", "action", "condition")]}), *rest]

    @admin.display(description=_("When"))
    def timing(self, step):
        from .step_timing import step_timing_text

        return (step_timing_text(step) if step.pk else None) or _("Set by the journey: when a member reaches a "
                                                                   "node that runs this step.")

    @admin.display(description=_("Placeholders"))
    def placeholders(self, step):
        """What a message may use, each with what it gives and its value for a real member."""
        from .services.placeholders import placeholder_samples

        member = _preview_member()
        if member is None:
            return _("No member to preview with.")
        rows = format_html_join("", "<tr><td><code>{{{{ {} }}}}</code></td><td>{}</td><td>{}</td></tr>",
                                placeholder_samples(member=member))
        return format_html('<table class="step-placeholders"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr>'
                           "</thead><tbody>{}</tbody></table>", gettext("Placeholder"), gettext("What it gives"),
                           gettext("For %(member)s") % {"member": member}, rows)

    @admin.display(description=_("Fallback"))
    def variant_warnings(self, step):
        if not step.pk:
            return "—"
        gaps = step_fallback_gaps(step)
        if not gaps:
            return _("Every channel it may fall back to has a variant.")
        return format_html_join(
            "", "<p style='color: #ba2121'>⚠ {}</p>",
            ((gettext("No %(channel)s variant: members reachable only by %(channel)s will not get this message.")
              % {"channel": CHANNEL_NAMES.get(channel, channel)},) for channel in gaps))

    @admin.display(description=_("SMS length"))
    def sms_segments(self, step):
        if not step.pk or not step.sms_template:
            return "—"
        member = _preview_member()
        previews = [p for p in step_variant_previews(step, member=member) if p.channel == "sms"] if member else []
        if not previews or previews[0].sms is None:
            return "—"
        return _sms_length_text(previews[0].sms)

    @admin.display(description=_("Preview for a real member"))
    def preview(self, step):
        if not step.pk or not step.variant_channels:
            return "—"
        member = _preview_member()
        if member is None:
            return _("No member to preview with.")
        rows = []
        for item in step_variant_previews(step, member=member):
            if item.content is None:
                rows.append(format_html("<h4>{}</h4><p>{}</p>", CHANNEL_NAMES[item.channel],
                                        gettext("Template error: %(error)s") % {"error": item.error}))
                continue
            content = item.content
            rows.append(format_html(
                "<h4>{}</h4>{}<pre style='white-space: pre-wrap'>{}</pre>{}", CHANNEL_NAMES[item.channel],
                format_html("<p><b>{}</b></p>", content.subject) if content.subject else "", content.body,
                format_html("<p><small>{}</small></p>", _sms_length_text(item.sms)) if item.sms
                else format_html("<p><small>→ {}</small></p>", content.link) if content.link else ""))
        return format_html("{}<small>{}</small>", format_html_join("", "{}", ((row,) for row in rows)),
                           gettext("for %(member)s") % {"member": member})


CHANNEL_NAMES = {"email": _("Email"), "sms": _("SMS"), "push": _("Push")}


def _preview_member():
    from customers.models import Member

    return Member.objects.filter(orders__isnull=False).order_by("pk").first() or Member.objects.order_by("pk").first()


def _sms_length_text(length) -> str:
    return gettext("%(units)s characters, %(segments)s SMS (%(encoding)s: %(per)s per SMS)") % {
        "units": length.units, "segments": length.segments, "encoding": length.encoding, "per": length.per_segment}


@admin.register(Campaign)
class CampaignAdmin(DurationFieldsAdminMixin, ConfigurationHistoryAdmin):
    duration_fields = {"event_delay_seconds": (
        _("delay"), _("Event campaigns: how long after the event the member enters. A newer event of the same type "
                      "within the delay replaces it (the latest cart counts)."))}
    list_display = ["name", "trigger", "stage", "segment", "priority", "is_active", "holdout_percent", "entries_count",
                    "results_link", "audience_link"]
    list_filter = ["trigger", "is_active", "stage"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CampaignStepInline]
    actions = ["launch_broadcast", "plan_now"]
    readonly_fields = ["broadcast_launched_at"]
    object_history_template = "admin/campaigns/campaign/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        """The campaign's own versions, then its steps' (edited on the campaign's page, so shown there)."""
        steps = CampaignStep.history.filter(campaign_id=object_id).order_by("-history_date", "-history_id")[:200]
        extra_context = {**(extra_context or {}), "step_history": self.related_history(request, steps)}
        return super().history_view(request, object_id, extra_context)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("stage", "segment").annotate(entries_count=Count("entries"))

    @admin.display(description=_("Entries"), ordering="entries_count")
    def entries_count(self, campaign):
        return campaign.entries_count

    @admin.display(description=_("Results"))
    def results_link(self, campaign):
        from django.urls import reverse

        return format_html('<a href="{}">{}</a>', reverse("admin:campaigns_campaign_results", args=[campaign.pk]),
                           _("Funnel and uplift"))

    def get_urls(self):
        from django.urls import path

        results = path("<int:pk>/results/", self.admin_site.admin_view(self.results_view),
                       name="campaigns_campaign_results")
        audience = path("<int:pk>/audience/", self.admin_site.admin_view(self.audience_view),
                        name="campaigns_campaign_audience")
        return [results, audience, *super().get_urls()]

    @admin.display(description=_("Audience"))
    def audience_link(self, campaign):
        from django.urls import reverse

        return format_html('<a href="{}">{}</a>', reverse("admin:campaigns_campaign_audience", args=[campaign.pk]),
                           _("Preview"))

    def audience_view(self, request, pk):
        """Who the campaign reaches; a POST also runs its planning as a dry run (nothing kept)."""
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import get_object_or_404, render

        from .selectors import campaign_audience_preview, campaign_overlaps
        from .services.dry_run import campaign_plan_dry_run

        campaign = get_object_or_404(Campaign.objects.select_related("stage", "segment"), pk=pk)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        dry_run = campaign_plan_dry_run(campaign=campaign) if request.method == "POST" else None
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "campaign": campaign,
                   "preview": campaign_audience_preview(campaign=campaign),
                   "overlaps": campaign_overlaps(campaign=campaign), "dry_run": dry_run,
                   "action_names": dict(CampaignStep._meta.get_field("action").choices),
                   "title": _("Audience: %(campaign)s") % {"campaign": campaign}}
        return render(request, "campaigns/audience.html", context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._warn_of_overlaps(request, form.instance)
        self._warn_of_missing_variants(request, form.instance)

    def _warn_of_missing_variants(self, request, campaign):
        for step in campaign.steps.filter(action="message"):
            gaps = step_fallback_gaps(step)
            if gaps:
                self.message_user(request, gettext(
                    "Step «%(step)s» has no variant for %(channels)s: members reachable only there will not get "
                    "it.") % {"step": step, "channels": ", ".join(str(CHANNEL_NAMES.get(c, c)) for c in gaps)},
                    messages.WARNING)

    def _warn_of_overlaps(self, request, campaign):
        """Two active campaigns on one trigger both fire (two coupons to one member) unless priorities part them."""
        from .selectors import campaign_overlaps

        if not campaign.is_active:
            return
        rivals = [c for c in campaign_overlaps(campaign=campaign)
                  if campaign.priority is None or c.priority is None or c.priority == campaign.priority]
        if rivals:
            self.message_user(request, _(
                "Members who enter «%(campaign)s» also enter %(others)s: each will get both. Give the campaigns "
                "different priorities so that a member enters only the highest one, or limit them to segments.") % {
                "campaign": campaign, "others": ", ".join(f"«{c}»" for c in rivals)}, messages.WARNING)

    @admin.action(description=_("Plan due entries and steps now (the 15-minute sweep)"))
    def plan_now(self, request, queryset):
        from .services.scheduling import campaigns_plan_due

        result = campaigns_plan_due()
        self.message_user(request, _("Planned: %(result)s.") % {
            "result": ", ".join(f"{key} {value}" for key, value in result.items())}, messages.SUCCESS)

    def results_view(self, request, pk):
        from django.shortcuts import get_object_or_404, render

        from .selectors import campaign_results

        campaign = get_object_or_404(Campaign, pk=pk)
        results = campaign_results(campaign=campaign)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "campaign": campaign,
                   "results": results, "funnel_peak": max((count for _label, count in results.funnel), default=0),
                   "groups": [(gettext("Treated"), results.treated), (gettext("Holdout"), results.holdout)],
                   "title": gettext("Results: %(campaign)s") % {"campaign": campaign}}
        return render(request, "campaigns/results.html", context)

    @admin.action(description=_("Launch the broadcast to the segment now"))
    def launch_broadcast(self, request, queryset):
        from .services.scheduling import campaign_broadcast

        for campaign in queryset.filter(trigger="broadcast"):
            entered = campaign_broadcast(campaign=campaign)
            self.message_user(request, gettext("%(campaign)s: %(count)s members entered.") % {
                "campaign": campaign, "count": entered}, messages.SUCCESS)


@admin.register(CampaignSettings)
class CampaignSettingsAdmin(ConfigurationHistoryAdmin):
    list_display = ["__str__", "max_per_day", "max_per_week", "quiet_hours_start", "quiet_hours_end",
                    "default_send_hour", "channel_order"]

    def has_add_permission(self, request):
        return not CampaignSettings.objects.exists()


@admin.register(CampaignEntry)
class CampaignEntryAdmin(admin.ModelAdmin):
    list_display = ["campaign", "member", "occurrence", "triggered_at", "is_holdout"]
    list_filter = ["campaign", "is_holdout"]
    search_fields = ["member__external_id", "member__email", "occurrence"]
    raw_id_fields = ["member"]
    date_hierarchy = "triggered_at"


@admin.register(PlannedAction)
class PlannedActionAdmin(admin.ModelAdmin):
    list_display = ["step", "entry", "due_at", "status", "reason", "result_ref", "done_at"]
    list_filter = ["status", "step__action", "step__campaign"]
    search_fields = ["entry__member__external_id", "result_ref"]
    raw_id_fields = ["entry", "step"]


@admin.register(MemberOffer)
class MemberOfferAdmin(admin.ModelAdmin):
    list_display = ["title", "member", "campaign", "coupon", "valid_until"]
    list_filter = ["campaign"]
    search_fields = ["title", "member__external_id"]
    raw_id_fields = ["member", "coupon"]


@admin.register(ReviewRequest)
class ReviewRequestAdmin(admin.ModelAdmin):
    list_display = ["member", "order", "created_at", "used_at"]
    search_fields = ["member__external_id", "order__external_id"]
    raw_id_fields = ["member", "order", "planned_action"]
    readonly_fields = ["token"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["rating", "product", "order", "member", "created_at", "is_published"]
    list_filter = ["rating", "is_published"]
    list_editable = ["is_published"]
    search_fields = ["text", "product__name", "member__external_id"]
    raw_id_fields = ["member", "order", "product", "request"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ConfigurationHistoryAdmin):
    list_display = ["name", "url", "event_list", "is_active", "previous_secret_expires_at", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    # The secret is generated, and replaced only by the rotate action (the old one keeps signing a while).
    readonly_fields = ["secret", "previous_secret_expires_at"]
    actions = ["rotate_secret"]

    def get_fields(self, request, obj=None):
        # the secret is generated when the subscription is saved: shown from then on, not on the add page
        return ["name", "url", "events", "is_active", *(self.readonly_fields if obj else [])]

    @admin.action(description=_("Rotate the secret (the old one keeps signing for the overlap period)"))
    def rotate_secret(self, request, queryset):
        from .services.webhooks import webhook_secret_rotate

        for subscription in queryset:
            webhook_secret_rotate(subscription=subscription)
        self.message_user(request, gettext("%(count)s secrets rotated; give the receivers the new ones shown on "
                                           "each subscription.") % {"count": len(queryset)}, messages.SUCCESS)

    @admin.display(description=_("Events"))
    def event_list(self, subscription):
        return format_html_join(", ", "{}", ((e,) for e in subscription.events))


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "purpose", "channel", "sent_channel", "member", "subject", "status", "reason", "due_at",
                    "attempts", "sent_at"]
    list_filter = ["status", "purpose", "channel", "sent_channel", "campaign_step__campaign"]
    search_fields = ["dedupe_key", "to", "sent_to", "subject", "member__external_id", "member__email"]
    raw_id_fields = ["member"]
    date_hierarchy = "created_at"
    actions = ["replay"]

    # Codes and reset links are never shown: the encrypted secret is left out, and the body shows
    # "hidden" where the secret goes (see OutboxMessage.encrypted_secret).
    HIDDEN_FIELDS = {"encrypted_secret"}

    def get_fields(self, request, obj=None):
        return [("body_shown" if f.name == "body" else f.name) for f in OutboxMessage._meta.fields
                if f.name not in self.HIDDEN_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("Body"))
    def body_shown(self, message):
        return message.body.replace(SECRET_PLACEHOLDER, gettext("hidden"))

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Replay webhook deliveries (a new signed delivery of the same event)"))
    def replay(self, request, queryset):
        from .services.webhooks import outbox_replay

        replayed = sum(1 for message in queryset if outbox_replay(message=message))
        self.message_user(request, gettext("%(count)s queued again.") % {"count": replayed}, messages.SUCCESS)
