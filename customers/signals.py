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
