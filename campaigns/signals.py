"""Signals the campaigns app sends.

`journey_entries_recorded` — sent inside the transaction that entered members into a campaign whose steps a journey
runs (`Campaign.is_journey`), instead of planning its steps: campaign, since (the entries' earliest trigger time
this pass looked at). Receivers queue their work with `transaction.on_commit`.
"""
from django.dispatch import Signal

journey_entries_recorded = Signal()
