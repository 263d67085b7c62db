"""One import mechanism shared by every import command (members, engagement, orders, lines, points, tiers, products).

A file is read as a stream (`source`), every row is cleaned by a schema of typed columns (`cells`,
`schema`) and good rows are written in batches by a kind-specific writer (`members`, `engagement`, and
the loyalty app's `loyalty.importing`), each batch one `INSERT … ON CONFLICT DO UPDATE` (`upsert`). The `runner`
ties them together: progress after every batch, every bad row reported with its line and column,
good rows kept, a summary at the end, and `customers.signals.import_finished` once it is committed.
"""
from .report import ImportSummary, RowError
from .runner import run_import
from .schema import Column, Row, RowRejected, RowSchema

__all__ = ["Column", "ImportSummary", "Row", "RowError", "RowRejected", "RowSchema", "run_import"]
