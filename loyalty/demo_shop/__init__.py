"""A realistic demo shop, generated with numpy in chunks and written with COPY on PostgreSQL.

Persona-driven: each member is a monthly replenishment buyer, a frequent buyer, an occasional
buyer, a one-time buyer or a lapsing buyer, and a share of them read email late at night.
"""
from .service import DemoSummary, demo_data_generate

__all__ = ["DemoSummary", "demo_data_generate"]
