"""Stand-in for journeys.splits (written in parallel) with the same signatures; removed once it lands."""
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
