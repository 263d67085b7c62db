"""Stand-in for journeys.splits (written in parallel) with the same signatures; removed once it lands."""
from dataclasses import dataclass

from campaigns.services.holdout import PRIME

BUCKETS = 10_000


def split_bucket_sql(member_column: str, split_column: str) -> str:
    mixed = f"((CAST({member_column} AS BIGINT) * 69621 + CAST({split_column} AS BIGINT) * 40692 + 12345) %% {PRIME})"
    return f"((({mixed} * {mixed} + CAST({split_column} AS BIGINT) * 7) %% {PRIME}) %% {BUCKETS})"


def variant_case_sql(bucket_sql: str, shares, values) -> str:
    total, running, whens = sum(shares), 0.0, []
    for share, value in zip(shares[:-1], values[:-1]):
        running += share
        whens.append(f"WHEN {bucket_sql} < {round(BUCKETS * running / total)} THEN {int(value)}")
    return f"(CASE {' '.join(whens)} ELSE {int(values[-1])} END)"


@dataclass(frozen=True)
class VariantCounts:
    members: int
    conversions: int
    revenue: float = 0.0
    revenue_squares: float = 0.0


def thompson_shares(variants, *, floor: float = 0.05, draws: int = 20_000, seed: int = 0) -> list[float]:
    import numpy as np

    rng = np.random.default_rng(seed)
    samples = rng.beta([1 + v.conversions for v in variants], [1 + v.members - v.conversions for v in variants],
                       size=(draws, len(variants)))
    wins = np.bincount(samples.argmax(axis=1), minlength=len(variants)) / draws
    floor = min(floor, 1 / len(variants))
    return [floor + (1 - len(variants) * floor) * p for p in wins.tolist()]
