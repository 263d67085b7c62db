"""Signals the customers app sends.

`import_finished` — sent once after each import command (`import_members`, `import_engagement`,
`import_orders`, `import_order_lines`, `import_points`, `import_tiers`, `import_products`) run, when its writes are committed (through `transaction.on_commit`), even if some rows were rejected.

    sender:      the kind of import: "members", "engagement", "orders", "order_lines", "points", "tiers",
                 "products"
    member_ids:  frozenset of ids of the members whose data the import created or changed, or None when
                 there were too many to list (treat None as "possibly everyone")
    summary:     customers.importing.ImportSummary (read / created / updated / unchanged / rejected)

Receivers (e.g. segments refreshing their statistics) should enqueue work rather than do it inline:

    @receiver(import_finished)
    def refresh_after_import(sender, member_ids, **kwargs): ...
"""
from django.dispatch import Signal

import_finished = Signal()

# Members' personal data (customers.personal_data). Higher apps, which customers must not import, add their own
# tables through these two signals, connected in their AppConfig.ready:
#
# `member_data_exported` — sent by `member_data_export(member=...)`; each receiver returns a dict of
# JSON-ready sections ({"orders": [...], ...}) about that member, which the export merges.
#
# `member_erasing` — sent by `member_erase(...)` inside its transaction, before the member's own row is wiped;
# each receiver removes or blanks the personal data its own tables hold about the member (contacts, tokens,
# devices, message bodies, free text) and keeps what the law or the books need (ledger, orders, consent proof).
#     member:      the Member, still with its contacts (to find free text that names them)
#     identifiers: the member's email, phone, card number and names (non-empty ones), to scrub from free text
#     pseudonym:   the pseudonymous id the member is kept under from now on
member_data_exported = Signal()
member_erasing = Signal()
