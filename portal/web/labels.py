"""Labels other apps define in English (choices), marked here so the portal's catalogue translates them.

Templates show them with `{% translate value %}` (ledger kinds with `context "ledger"`); a label missing here simply shows in English.
"""
from django.utils.translation import gettext_noop, pgettext_lazy

# Context "ledger": "Expired" of points reads differently from "Expired" of coupons.
LEDGER_KINDS = [
    pgettext_lazy("ledger", "Earned"), pgettext_lazy("ledger", "Redeemed"), pgettext_lazy("ledger", "Expired"),
    pgettext_lazy("ledger", "Adjusted by staff"), pgettext_lazy("ledger", "Reversed (return or cancel)"),
    pgettext_lazy("ledger", "Bonus"), pgettext_lazy("ledger", "Transferred in"),
    pgettext_lazy("ledger", "Transferred out"), pgettext_lazy("ledger", "Unlocked (pending → available)"),
    pgettext_lazy("ledger", "Debt recorded or paid off"),
    pgettext_lazy("ledger", "Opening balance (previous programme)"),
]
CONSENT_PURPOSES = [gettext_noop(label) for label in (
    "Processing of personal data", "Marketing by email", "Marketing by SMS", "Marketing by push",
)]
