"""Loyalty admin, one module per area."""
from . import coupons, members, orders, programme  # noqa: F401
