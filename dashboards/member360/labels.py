"""Labels other apps define in English (their choices), marked here so the catalogue translates them on the
Member 360 page; a label missing here simply shows in English. Order statuses take the context "order",
ledger kinds the portal's context "ledger" (portal/web/labels.py)."""
from django.utils.translation import gettext, gettext_noop, pgettext, pgettext_lazy

ORDER_STATUSES = [pgettext_lazy("order", "Completed"), pgettext_lazy("order", "Returned"),
                  pgettext_lazy("order", "Cancelled"), pgettext_lazy("order", "Pending")]
OTHER_CHOICES = [gettext_noop(label) for label in (
    # sales and registration channels
    "Web shop", "Mobile app", "Store", "Store (POS)", "Import",
    # points buckets
    "Available", "Pending", "Debt",
    # outbox statuses and purposes
    "Delivered", "Failed", "Suppressed", "Sending (claimed by a worker)", "Transactional (codes, receipts)",
    "Marketing (consent, caps, quiet hours)",
    # manager tasks
    "Open", "In progress", "Done",
    # spend trend
    "Declining", "Stable", "Growing",
    # consent purposes and methods
    "Processing of personal data", "Marketing by email", "Marketing by SMS", "Marketing by push",
    "Checkbox on a form", "Confirmed by email link", "Signed paper form", "Unsubscribe link", "Changed by staff",
    "Imported", "Through the API",
)]


def translated(label, context: str | None = None) -> str:
    """The active language's form of an English choice label (the label itself when the catalogue lacks it)."""
    label = str(label)
    return pgettext(context, label) if context else gettext(label)
