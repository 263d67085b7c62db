"""Deterministic holdout: the same member and campaign always land in the same bucket (0–99).

One formula in Python and in SQL (64-bit integer arithmetic on PostgreSQL and SQLite alike): an affine
mix of both ids modulo the prime 2^31−1, squared once so neighbouring ids do not fall in a pattern.
"""
PRIME = 2_147_483_647


def holdout_bucket(*, member_id: int, campaign_id: int) -> int:
    mixed = (member_id * 48_271 + campaign_id * 16_807 + 1) % PRIME
    return ((mixed * mixed + campaign_id) % PRIME) % 100


def holdout_bucket_sql(member_column: str, campaign_column: str) -> str:
    """The bucket as SQL for a statement executed with parameters (so `%` is written `%%`)."""
    mixed = f"((CAST({member_column} AS BIGINT) * 48271 + CAST({campaign_column} AS BIGINT) * 16807 + 1) %% {PRIME})"
    return f"((({mixed} * {mixed} + {campaign_column}) %% {PRIME}) %% 100)"


def is_holdout(*, member_id: int, campaign_id: int, percent: int) -> bool:
    return holdout_bucket(member_id=member_id, campaign_id=campaign_id) < percent
