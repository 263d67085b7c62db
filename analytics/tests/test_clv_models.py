import datetime as dt

import numpy as np
import pytest

from analytics.clv import bgnbd, gamma_gamma
from analytics.tests.cdnow import DATA

TRUE_BGNBD = bgnbd.BgNbdParams(r=0.5, alpha=6.0, a=0.8, b=2.5)
TRUE_GAMMA_GAMMA = gamma_gamma.GammaGammaParams(p=5.0, q=4.0, v=20.0)


def test_bgnbd_recovers_the_parameters_it_simulated_from():
    # given 20,000 customers drawn from known parameters, observed for 30 to 80 weeks
    rng = np.random.default_rng(7)
    T = rng.uniform(30, 80, 20_000)
    x, t_x, T = bgnbd.simulate(TRUE_BGNBD, T.size, T, rng=rng)
    # when
    fitted = bgnbd.fit(x, t_x, T)
    # then each parameter comes back within 15 % (the sampling error at this size is a few per cent)
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fitted, name) == pytest.approx(getattr(TRUE_BGNBD, name), rel=0.15), name


def test_gamma_gamma_recovers_the_parameters_it_simulated_from():
    # given mean spends of 1 to 10 repeat transactions for 10,000 customers
    rng = np.random.default_rng(11)
    x = rng.integers(1, 11, 10_000)
    m = gamma_gamma.simulate(TRUE_GAMMA_GAMMA, x, rng=rng)
    # when
    fitted = gamma_gamma.fit(x, m)
    # then
    for name in ("p", "q", "v"):
        assert getattr(fitted, name) == pytest.approx(getattr(TRUE_GAMMA_GAMMA, name), rel=0.15), name


def test_predictions_match_the_paper_and_stay_finite_for_heavy_buyers():
    # given the published CDNOW parameters
    params = bgnbd.BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
    # when / then: FHL 2005 report 1.226 expected purchases in 39 weeks for x = 2, t_x = 30.43, T = 38.86
    assert bgnbd.expected_purchases(params, 39, [2], [30.43], [38.86])[0] == pytest.approx(1.226, abs=0.001)
    # a customer without repeat purchases is alive by the model's assumption
    assert bgnbd.probability_alive(params, [0], [0], [38.86])[0] == 1.0
    # a heavy buyer gone quiet for long is nearly surely lost, and nothing overflows
    heavy = bgnbd.probability_alive(params, [400, 400], [10, 38], [38.86, 38.86])
    assert heavy[0] < 1e-6 < heavy[1]
    assert np.isfinite(bgnbd.expected_purchases(params, 52, [400], [38], [38.86])).all()
    # the log-likelihood of a large x is finite too
    assert np.isfinite(bgnbd.log_likelihood_terms(np.log([0.243, 4.414, 0.793, 2.426]), np.array([1000.0]),
                                                  np.array([50.0]), np.array([52.0]))).all()


def test_fitting_the_raw_cdnow_sample_in_numpy_alone_gives_the_published_estimates():
    # given the repeat-purchase summary computed directly from the sample file (one purchase per day)
    days = {}
    for line in DATA.read_text().splitlines():
        _, customer, day, _, amount = line.split()
        if day <= "19970930":
            days.setdefault(customer, {}).setdefault(day, 0.0)
            days[customer][day] += float(amount)
    def weeks(later, earlier):
        return (dt.date.fromisoformat(later) - dt.date.fromisoformat(earlier)).days / 7

    def iso(day):
        return f"{day[:4]}-{day[4:6]}-{day[6:]}"

    rows = [(len(d) - 1, weeks(iso(max(d)), iso(min(d))), weeks("1997-09-30", iso(min(d))),
             np.mean([v for k, v in d.items() if k != min(d)]) if len(d) > 1 else 0.0) for d in days.values()]
    x, t_x, T, m = map(np.array, zip(*rows))
    # when
    bg, gg = bgnbd.fit(x, t_x, T), gamma_gamma.fit(x, m)
    # then
    assert (round(bg.r, 3), round(bg.alpha, 2), round(bg.a, 3), round(bg.b, 2)) == (0.243, 4.41, 0.793, 2.43)
    assert (round(gg.p, 2), round(gg.q, 2), round(gg.v, 1)) == (6.25, 3.74, 15.4)
