"""Split assignment is stable, balanced and the same in SQL; adaptive shares find the best variant; statistics hold.

Pure functions: only the SQL agreement test touches the database.
"""
import math
import random

import numpy as np
import pytest
from django.db import connection
from scipy.stats import chi2

from campaigns.services.holdout import is_holdout
from journeys.splits import (
    BUCKETS, VariantCounts, current_shares, group_statistics, mean_interval, probability_best, rate_interval, share_thresholds, split_bucket,
    split_bucket_sql, split_statistics, thompson_shares, variant_case_sql, variant_for_bucket,
)

CHI2_2_DOF_P001 = 13.82  # critical value at p = 0.001 with 2 degrees of freedom
CHI2_4_DOF_P001 = 18.47


def _variant(member_id, split_id, shares=(1, 1, 1)):
    return variant_for_bucket(split_bucket(member_id=member_id, split_id=split_id), shares)


def _goodness_of_fit(observed, expected):
    return sum((o - e) ** 2 / e for o, e in zip(observed, expected))


def _independence(table):
    """Pearson's chi-square statistic of a contingency table (rows × columns of counts)."""
    rows, columns = [sum(row) for row in table], [sum(column) for column in zip(*table)]
    total = sum(rows)
    return sum((table[i][j] - rows[i] * columns[j] / total) ** 2 / (rows[i] * columns[j] / total)
               for i in range(len(rows)) for j in range(len(columns)))


def test_the_critical_values_are_the_chi_square_quantiles():
    assert chi2.ppf(0.999, 2) == pytest.approx(CHI2_2_DOF_P001, abs=0.01)
    assert chi2.ppf(0.999, 4) == pytest.approx(CHI2_4_DOF_P001, abs=0.01)


def test_assignment_is_stable_and_differs_between_splits():
    # given members at two split steps
    members = range(1, 5_001)
    # when they are assigned twice
    first = [_variant(m, 11) for m in members]
    again = [_variant(m, 11) for m in members]
    # then each keeps its variant, and another split step assigns independently (about 2/3 differ with 3 variants)
    assert first == again
    assert all(0 <= split_bucket(member_id=m, split_id=11) < BUCKETS for m in members)
    other = [_variant(m, 12) for m in members]
    assert 0.6 < sum(a != b for a, b in zip(first, other)) / len(first) < 0.73


@pytest.mark.parametrize("split_id", [1, 2, 77, 4_096, 1_000_003])
def test_equal_shares_split_30000_members_evenly(split_id):
    # given 30,000 members and three variants with equal shares
    counts = [0, 0, 0]
    # when each is assigned
    for member_id in range(1, 30_001):
        counts[_variant(member_id, split_id)] += 1
    # then the counts pass a chi-square goodness-of-fit test against 10,000 each
    assert _goodness_of_fit(counts, [10_000] * 3) < CHI2_2_DOF_P001, counts


def test_unequal_shares_are_honoured_and_large_ids_spread_too():
    shares = (0.5, 0.3, 0.2)
    counts = [0, 0, 0]
    for n in range(30_000):
        counts[_variant(10_000_000_000 + n * 7_919, 5, shares)] += 1
    assert _goodness_of_fit(counts, [15_000, 9_000, 6_000]) < CHI2_2_DOF_P001, counts


def test_the_split_bucket_does_not_follow_the_holdout_nor_another_split_nor_the_neighbouring_member():
    # given the same id for a campaign and a split step (ids of different tables do collide)
    for shared_id in (1, 3, 42):
        members = range(1, 30_001)
        variants = [_variant(m, shared_id) for m in members]
        held = [is_holdout(member_id=m, campaign_id=shared_id, percent=10) for m in members]
        next_split = [_variant(m, shared_id + 1) for m in members]
        # then holdout × variant, variant × next split's variant and variant × neighbour's variant are independent
        by_holdout = [[sum(1 for v, h in zip(variants, held) if v == i and h == flag) for i in range(3)]
                      for flag in (False, True)]
        assert _independence(by_holdout) < CHI2_2_DOF_P001, by_holdout
        by_split = [[0] * 3 for _ in range(3)]
        for a, b in zip(variants, next_split):
            by_split[a][b] += 1
        assert _independence(by_split) < CHI2_4_DOF_P001, by_split
        by_neighbour = [[0] * 3 for _ in range(3)]
        for a, b in zip(variants, variants[1:]):
            by_neighbour[a][b] += 1
        assert _independence(by_neighbour) < CHI2_4_DOF_P001, by_neighbour


def test_variant_for_bucket_maps_cumulative_shares():
    assert share_thresholds([1, 1]) == (5_000, 10_000)
    assert share_thresholds([0.5, 0.3, 0.2]) == (5_000, 8_000, 10_000)
    assert [variant_for_bucket(b, [0.5, 0.3, 0.2]) for b in (0, 4_999, 5_000, 7_999, 8_000, 9_999)] == [0, 0, 1, 1, 2, 2]
    # a variant with share 0 gets no bucket, wherever it stands
    assert {variant_for_bucket(b, [0, 1, 0]) for b in range(BUCKETS)} == {1}
    assert {variant_for_bucket(b, [1, 0, 1]) for b in range(BUCKETS)} == {0, 2}
    with pytest.raises(ValueError):
        share_thresholds([0, 0])
    with pytest.raises(ValueError):
        variant_for_bucket(BUCKETS, [1, 1])


@pytest.mark.django_db
def test_python_and_sql_agree_on_buckets_and_variants():
    # given a few thousand member ids, small and large, at three split steps and four share vectors
    sequence = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
    member_sql = "(i * 333667 + 17)"
    share_vectors = [(1, 1, 1), (0.5, 0.3, 0.2), (0, 1, 0), (0.07, 0.0, 0.93)]
    for split_id in (1, 77, 2_147_483_000):
        bucket = split_bucket_sql(member_sql, str(split_id))
        cases = ", ".join(variant_case_sql(bucket, shares, values=[101, 102, 103]) for shares in share_vectors)
        # when the database computes them
        with connection.cursor() as cursor:
            cursor.execute(f"{sequence} SELECT i, {bucket}, {cases} FROM n ORDER BY i", [])
            rows = cursor.fetchall()
        # then Python computes the same for every member
        assert len(rows) == 3_000
        for i, sql_bucket, *sql_variants in rows:
            member_id = i * 333_667 + 17
            python_bucket = split_bucket(member_id=member_id, split_id=split_id)
            assert sql_bucket == python_bucket, (connection.vendor, member_id, split_id)
            assert sql_variants == [101 + variant_for_bucket(python_bucket, shares) for shares in share_vectors]


def test_probability_best_is_even_without_data_and_certain_for_a_clear_winner():
    no_data = probability_best([VariantCounts(0, 0)] * 3)
    assert sum(no_data) == pytest.approx(1)
    assert all(p == pytest.approx(1 / 3, abs=0.02) for p in no_data)
    clear = probability_best([VariantCounts(2_000, 40), VariantCounts(2_000, 60), VariantCounts(2_000, 160)])
    assert clear[2] > 0.999


def test_thompson_shares_keep_the_floor_sum_to_one_and_repeat_for_a_seed():
    counts = [VariantCounts(2_000, 40), VariantCounts(2_000, 45), VariantCounts(2_000, 160)]
    shares = thompson_shares(counts, seed=3)
    assert sum(shares) == pytest.approx(1)
    assert min(shares) >= 0.05 and shares[2] == pytest.approx(0.9, abs=0.001)
    assert thompson_shares(counts, seed=3) == shares
    close = [VariantCounts(500, 10), VariantCounts(500, 12)]
    assert thompson_shares(close, seed=1) != thompson_shares(close, seed=2)
    # a floor above 1/k would not sum to one: it is capped
    assert thompson_shares(counts, floor=0.5) == pytest.approx([1 / 3] * 3)


def _simulate(rates, *, seed, rounds=40, members_per_round=1_000, split_id=9):
    """Members arrive in rounds and are assigned by bucket and the current shares; after each round the shares are
    recomputed from every conversion observed so far. Returns each round's traffic per variant and the last shares."""
    outcome = random.Random(seed)
    assigned, converted = [0] * len(rates), [0] * len(rates)
    shares = [1 / len(rates)] * len(rates)
    traffic, member_id = [], seed * 1_000_000
    for round_number in range(rounds):
        this_round = [0] * len(rates)
        for _ in range(members_per_round):
            member_id += 1
            variant = _variant(member_id, split_id, shares)
            this_round[variant] += 1
            assigned[variant] += 1
            converted[variant] += outcome.random() < rates[variant]
        traffic.append(this_round)
        counts = [VariantCounts(a, c) for a, c in zip(assigned, converted)]
        shares = thompson_shares(counts, seed=seed * 1_000 + round_number)
    return traffic, shares


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_adaptive_split_sends_most_traffic_to_the_best_variant(seed):
    # given variants converting at 2 %, 3 % and 5 %
    rates = [0.02, 0.03, 0.05]
    # when 40,000 members pass the split in 40 rounds with shares recomputed after each
    traffic, shares = _simulate(rates, seed=seed)
    # then the best variant gets most of the traffic over the run, and at the end close to the 90 % the floors allow
    total = [sum(column) for column in zip(*traffic)]
    assert total[2] / sum(total) > 0.6, total
    assert traffic[-1][2] / sum(traffic[-1]) > 0.8, traffic[-1]
    assert shares[2] > 0.8 and min(shares) >= 0.05


def test_rate_interval_is_the_beta_posterior_interval():
    # no data: Beta(1, 1) is uniform, so the 95 % interval is (0.025, 0.975)
    assert rate_interval(0, 0) == pytest.approx((0.025, 0.975))
    # no conversion in 99: Beta(1, 100), whose quantile q is 1 − (1 − q)^(1/100)
    assert rate_interval(0, 99) == pytest.approx((1 - 0.975 ** 0.01, 1 - 0.025 ** 0.01))
    low, high = rate_interval(50, 1_000)
    assert low < 0.05 < high and high - low < rate_interval(5, 100)[1] - rate_interval(5, 100)[0]


def test_rate_interval_covers_the_true_rate_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    conversions = rng.binomial(1_000, 0.04, size=2_000)
    covered = sum(low <= 0.04 <= high for low, high in (rate_interval(int(c), 1_000) for c in conversions))
    assert 0.93 < covered / 2_000 < 0.97


def test_revenue_per_member_interval():
    # given four members' revenues
    revenues = np.array([0.0, 0.0, 100.0, 200.0])
    # when the interval is computed from the sums only
    mean, low, high = mean_interval(revenues.sum(), (revenues ** 2).sum(), len(revenues))
    # then it is the mean ± 1.96 standard errors, cut at zero
    half = 1.959964 * revenues.std(ddof=1) / math.sqrt(len(revenues))
    assert mean == 75 and low == 0 and high == pytest.approx(75 + half)
    assert mean_interval(0, 0, 0) == (0.0, None, None)
    assert mean_interval(10, 100, 1) == (10.0, None, None)


def test_revenue_per_member_interval_covers_the_true_mean():
    # given members of whom 5 % buy, spending lognormally, the true revenue per member is 0.05 × E[spend]
    rng = np.random.default_rng(11)
    true_mean = 0.05 * math.exp(8 + 0.5 ** 2 / 2)
    covered = 0
    for _ in range(1_000):
        revenues = np.where(rng.random(3_000) < 0.05, rng.lognormal(8, 0.5, 3_000), 0.0)
        _, low, high = mean_interval(revenues.sum(), (revenues ** 2).sum(), len(revenues))
        covered += low <= true_mean <= high
    assert 0.93 < covered / 1_000 < 0.97


def test_split_statistics_per_variant():
    # given three variants, the last clearly better
    counts = [VariantCounts(2_000, 40, revenue=120_000, revenue_squares=40 * 3_000.0 ** 2),
              VariantCounts(2_000, 60, revenue=180_000, revenue_squares=60 * 3_000.0 ** 2),
              VariantCounts(2_000, 160, revenue=480_000, revenue_squares=160 * 3_000.0 ** 2)]
    # when the statistics are computed
    worst, middle, best = split_statistics(counts)
    # then rates, intervals, probability best, expected loss and revenue per member follow
    assert (worst.rate, middle.rate, best.rate) == (0.02, 0.03, 0.08)
    assert worst.rate_low < 0.02 < worst.rate_high < best.rate_low < 0.08 < best.rate_high
    assert best.probability_best > 0.999 and worst.probability_best + middle.probability_best < 0.001
    assert best.expected_loss < 0.0001
    assert worst.expected_loss == pytest.approx(0.06, abs=0.005)
    assert best.revenue_per_member == 240 and best.revenue_per_member_low < 240 < best.revenue_per_member_high
    # without data, the expected loss of any of three is E[max of three uniforms] − E[uniform] = 3/4 − 1/2
    assert [s.expected_loss for s in split_statistics([VariantCounts(0, 0)] * 3)] == pytest.approx([0.25] * 3,
                                                                                                   abs=0.01)
    with pytest.raises(ValueError):
        VariantCounts(10, 11)


def test_current_shares_are_the_stored_adaptive_shares_once_computed_else_the_weights():
    assert current_shares(adaptive=False, weights=[50, 30, 20], traffic_shares=[0.9, 0.05, 0.05]) == pytest.approx(
        [0.5, 0.3, 0.2])
    assert current_shares(adaptive=True, weights=[50, 50], traffic_shares=[0, 0]) == [0.5, 0.5]
    assert current_shares(adaptive=True, weights=[50, 50], traffic_shares=[0.9, 0.1]) == pytest.approx([0.9, 0.1])
    # a variant added after the last refresh waits for the next one, rather than its weight (50) swamping the
    # stored fractions
    assert current_shares(adaptive=True, weights=[50, 50, 50], traffic_shares=[0.9, 0.1, 0]) == pytest.approx(
        [0.9, 0.1, 0])
    assert current_shares(adaptive=False, weights=[0, 0], traffic_shares=[0, 0]) == [0.5, 0.5]


def test_a_group_outside_the_comparison_has_intervals_but_no_probability_best():
    holdout = group_statistics(VariantCounts(100, 4, revenue=8_000, revenue_squares=4 * 2_000.0 ** 2))
    assert (holdout.rate, holdout.revenue_per_member) == (0.04, 80)
    assert holdout.rate_low < 0.04 < holdout.rate_high and holdout.revenue_per_member_low < 80
    assert holdout.probability_best is None and holdout.expected_loss is None
