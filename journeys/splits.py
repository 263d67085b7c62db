"""A/B/n splits that decide: deterministic assignment, adaptive shares by Thompson sampling, results statistics.

Pure functions (no database, no models, no project imports): the journeys engine calls the assignment and the
shares, the results selector calls the statistics. Floor: journeys, though nothing here needs more than Python,
numpy and scipy.

Assignment. A (member, split step) pair has a bucket 0–9,999: one formula in Python and in SQL (64-bit integer
arithmetic on PostgreSQL and SQLite alike), made the way `campaigns.services.holdout` makes the holdout bucket but
with other multipliers and offsets, so the split bucket does not follow the holdout bucket. A variant owns a run of
buckets as wide as its share; the integer thresholds are computed once in Python (`share_thresholds`) and used both
by `variant_for_bucket` and by the SQL CASE of `variant_case_sql`, so Python and SQL agree to the member. With fixed
shares the variant of a member never changes; with adaptive shares the runs move between rounds, so the engine
records the variant when the member passes the split and the member keeps it.

Adaptive shares. Each variant's conversion rate has the posterior Beta(1 + conversions, 1 + non-conversions)
(a uniform prior). A variant's share is the Monte-Carlo probability that it is the best one (batched Thompson
sampling: sending each member to the arm of one posterior draw gives the same shares in expectation), raised to a
floor (5 % by default) so that no variant starves and a wrong early lead can still be overturned. The draws come
from a seeded numpy generator: the same counts and seed give the same shares. Count only members whose conversion
window has closed, or the newest variant's unfinished members read as failures.

Statistics. The conversion-rate interval is the 95 % equal-tailed interval of the same Beta posterior (quantiles,
not Wilson: one model for the shares, the probability best and the interval). The expected loss of choosing a
variant is E[max_j p_j − p_i] under the posterior, in conversion-rate units (what is given up, on average, if it is
not the best). Revenue per member is the mean of each member's revenue (zeros included) with a normal-approximation
95 % interval from the sum and the sum of squares, so the selector needs only SQL sums; the low end is cut at zero.
"""
import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import betaincinv

PRIME = 2_147_483_647
BUCKETS = 10_000
DRAWS = 20_000
SHARE_FLOOR = 0.05
Z_95 = 1.959964


def split_bucket(*, member_id: int, split_id: int) -> int:
    """The member's bucket (0–9,999) at this split step; the same on every call, in SQL too."""
    mixed = (member_id * 69_621 + split_id * 40_692 + 12_345) % PRIME
    return ((mixed * mixed + split_id * 7) % PRIME) % BUCKETS


def split_bucket_sql(member_column: str, split_column: str) -> str:
    """`split_bucket` as SQL for a statement executed with parameters (so `%` is written `%%`).

    Every intermediate stays below 2^63, so SQLite's integers never overflow into floating point.
    """
    split = f"CAST({split_column} AS BIGINT)"
    mixed = f"((CAST({member_column} AS BIGINT) * 69621 + {split} * 40692 + 12345) %% {PRIME})"
    return f"((({mixed} * {mixed} + {split} * 7) %% {PRIME}) %% {BUCKETS})"


def share_thresholds(shares: Sequence[float]) -> tuple[int, ...]:
    """Cumulative bucket thresholds: variant i owns the buckets from threshold i−1 (0 for the first) up to, not
    including, threshold i; the last threshold is always BUCKETS. Shares need not sum to one (they are weights)."""
    if not shares:
        raise ValueError("a split needs at least one variant")
    if any(not math.isfinite(share) or share < 0 for share in shares):
        raise ValueError(f"shares must be finite and non-negative: {list(shares)}")
    total = math.fsum(shares)
    if total <= 0:
        raise ValueError("at least one share must be positive")
    running, thresholds = 0.0, []
    for share in shares:
        running += share
        thresholds.append(round(BUCKETS * running / total))
    thresholds[-1] = BUCKETS
    return tuple(thresholds)


def variant_for_bucket(bucket: int, shares: Sequence[float]) -> int:
    """The index of the variant whose run of buckets holds `bucket` (a variant with share 0 gets none)."""
    if not 0 <= bucket < BUCKETS:
        raise ValueError(f"bucket {bucket} is outside 0..{BUCKETS - 1}")
    return bisect.bisect_right(share_thresholds(shares), bucket)


def variant_case_sql(bucket_sql: str, shares: Sequence[float], values: Sequence[int] | None = None) -> str:
    """`variant_for_bucket` as a SQL CASE over `bucket_sql`, giving `values[i]` (e.g. variant ids; the indexes when
    omitted). The bucket expression is repeated once per variant: pass a column of a subquery when it is costly."""
    values = list(range(len(shares))) if values is None else [int(value) for value in values]
    if len(values) != len(shares):
        raise ValueError("one value per share")
    thresholds = share_thresholds(shares)
    # the variants that own buckets, with the (exclusive) top of their run; one with share 0 gets no branch
    owners = [(top, value) for bottom, top, value in zip((0, *thresholds), thresholds, values) if top > bottom]
    whens = " ".join(f"WHEN {bucket_sql} < {top} THEN {value}" for top, value in owners[:-1])
    return f"(CASE {whens} ELSE {owners[-1][1]} END)" if whens else f"({owners[-1][1]})"


@dataclass(frozen=True)
class VariantCounts:
    """What the selector counts for one variant: members assigned (whose window closed), members who converted,
    the revenue of their conversions, and the sum of each member's revenue squared (for the revenue interval)."""
    members: int
    conversions: int
    revenue: float = 0.0
    revenue_squares: float = 0.0

    def __post_init__(self):
        if self.members < 0 or not 0 <= self.conversions <= self.members:
            raise ValueError(f"need 0 <= conversions <= members, got {self.conversions} of {self.members}")


def posterior_draws(variants: Sequence[VariantCounts], *, draws: int = DRAWS, seed: int = 0) -> np.ndarray:
    """`draws` × variants samples of each variant's conversion rate from its Beta posterior (seeded)."""
    rng = np.random.default_rng(seed)
    successes = np.array([1 + v.conversions for v in variants], dtype=float)
    failures = np.array([1 + v.members - v.conversions for v in variants], dtype=float)
    return rng.beta(successes, failures, size=(draws, len(variants)))


def probability_best(variants: Sequence[VariantCounts], *, draws: int = DRAWS, seed: int = 0) -> list[float]:
    """The posterior probability that each variant has the highest conversion rate (sums to one)."""
    samples = posterior_draws(variants, draws=draws, seed=seed)
    return _probability_best(samples)


def _probability_best(samples: np.ndarray) -> list[float]:
    wins = np.bincount(samples.argmax(axis=1), minlength=samples.shape[1])
    return (wins / samples.shape[0]).tolist()


def thompson_shares(variants: Sequence[VariantCounts], *, floor: float = SHARE_FLOOR, draws: int = DRAWS,
                    seed: int = 0) -> list[float]:
    """Adaptive shares: `floor + (1 − k·floor) · P(best)` for k variants, so each gets at least `floor` (capped at
    1/k) and they sum to one. Deterministic for the same counts and seed."""
    floor = min(max(floor, 0.0), 1 / len(variants))
    return [floor + (1 - len(variants) * floor) * p for p in probability_best(variants, draws=draws, seed=seed)]


def rate_interval(conversions: int, members: int, level: float = 0.95) -> tuple[float, float]:
    """The equal-tailed `level` interval of the Beta(1 + conversions, 1 + non-conversions) posterior."""
    tail = (1 - level) / 2
    a, b = 1 + conversions, 1 + members - conversions
    return float(betaincinv(a, b, tail)), float(betaincinv(a, b, 1 - tail))


def mean_interval(total: float, squares: float, count: int) -> tuple[float, float | None, float | None]:
    """(mean, low, high) of per-member values from their sum and sum of squares; the 95 % normal-approximation
    interval (None below two members), its low end cut at zero since revenue is never negative."""
    if count <= 0:
        return 0.0, None, None
    mean = total / count
    if count < 2:
        return mean, None, None
    variance = max((squares - count * mean * mean) / (count - 1), 0.0)
    half = Z_95 * math.sqrt(variance / count)
    return mean, max(mean - half, 0.0), mean + half


def current_shares(*, adaptive: bool, weights: Sequence[float], traffic_shares: Sequence[float]) -> list[float]:
    """The shares new members are assigned by, normalised to sum to one: an adaptive split's stored shares once they
    have been computed (any above zero), else the weights; equal shares when those are all zero."""
    shares = list(traffic_shares) if adaptive and any(share > 0 for share in traffic_shares) else list(weights)
    total = math.fsum(shares)
    return [share / total for share in shares] if total > 0 else [1 / len(shares)] * len(shares)


@dataclass(frozen=True)
class VariantStatistics:
    members: int
    conversions: int
    rate: float  # observed conversions / members
    rate_low: float  # 95 % Beta posterior interval
    rate_high: float
    probability_best: float | None  # None for a group outside the comparison (the holdout)
    expected_loss: float | None  # E[max_j p_j − p_i], conversion-rate units
    revenue: float
    revenue_per_member: float
    revenue_per_member_low: float | None
    revenue_per_member_high: float | None


def group_statistics(counts: VariantCounts, *, probability_best: float | None = None,
                     expected_loss: float | None = None) -> VariantStatistics:
    """One group's rate and revenue with their intervals (a holdout: without the comparison's figures)."""
    low, high = rate_interval(counts.conversions, counts.members)
    per_member, per_member_low, per_member_high = mean_interval(counts.revenue, counts.revenue_squares, counts.members)
    return VariantStatistics(
        members=counts.members, conversions=counts.conversions,
        rate=counts.conversions / counts.members if counts.members else 0.0, rate_low=low, rate_high=high,
        probability_best=probability_best, expected_loss=expected_loss, revenue=counts.revenue,
        revenue_per_member=per_member, revenue_per_member_low=per_member_low, revenue_per_member_high=per_member_high)


def split_statistics(variants: Sequence[VariantCounts], *, draws: int = DRAWS, seed: int = 0) -> list[VariantStatistics]:
    """Each variant's results, in the order given; probability best and expected loss come from one set of draws."""
    samples = posterior_draws(variants, draws=draws, seed=seed)
    loss = (samples.max(axis=1, keepdims=True) - samples).mean(axis=0)
    return [group_statistics(counts, probability_best=p_best, expected_loss=expected_loss)
            for counts, p_best, expected_loss in zip(variants, _probability_best(samples), loss.tolist())]
