"""Journeys: campaigns whose steps wait for an event or a timeout, branch on what the member did, split traffic
between variants and end when the member converts.

Floor: above `campaigns` (a journey is backed by a campaign: its trigger, holdout, entries, results and the action
executors are the campaign's; an action node plans one of its steps) and `events` (waits and conditions read events).
"""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = _("Journeys")

    def ready(self):
        from campaigns import step_timing

        from . import receivers  # noqa: F401  (new entries and new events kick the journey's advance)
        from .selectors import step_journey_timing

        step_timing.register(step_journey_timing)  # the step form says which wait a journey's step follows
