"""The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way"), written from the paper.

Every customer buys at a Poisson rate λ ~ Gamma(r, α) while alive and drops out after any purchase with
probability p ~ Beta(a, b). The data per customer is (x, t_x, T): repeat purchases, the time of the last
one and the time since the first purchase. Parameters are fitted by maximum likelihood over their logs
(so they stay positive) with every term in log space (gammaln, logaddexp), which keeps the fit stable for
customers with hundreds of purchases. Customers with the same (x, t_x, T) are counted once with a weight.
"""
from dataclasses import dataclass

import numpy as np
from scipy import special

from .optimise import finite_or_huge, minimise_log_params


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")


def log_likelihood_terms(log_params, x, t_x, T, *, x_index=None):
    """Per-customer log-likelihood (FHL 2005, eq. 6) for parameters given as logs.

    The gamma-function terms depend on x alone; with `x_index` = (unique x values, each row's index into
    them) they are computed once per distinct x, which makes a million-row evaluation a few log calls.
    """
    r, alpha, a, b = np.exp(log_params)
    ux, inverse = x_index if x_index is not None else (x, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        common = (special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha)
                  + special.gammaln(a + b) + special.gammaln(b + ux) - special.gammaln(b) - special.gammaln(a + b + ux))
        # The second term exists only for x > 0 (b + x - 1 > 0 then); -inf drops out of logaddexp.
        dropout = np.where(ux > 0, np.log(a) - np.log(np.maximum(b + ux - 1, 1e-300)), -np.inf)
    if inverse is not None:
        common, dropout = common[inverse], dropout[inverse]
    alive_through_T = -(r + x) * np.log(alpha + T)
    dropped_after_t_x = dropout - (r + x) * np.log(alpha + t_x)
    return common + np.logaddexp(alive_through_T, dropped_after_t_x)


def compress(*columns):
    """Unique rows of the given columns, how many customers share each, and each customer's row index.

    Each column is first coded by its own distinct values, and the codes combined into one integer key:
    sorting one int64 array is many times faster than sorting rows.
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    values = []
    for column in columns:
        distinct, codes = np.unique(np.asarray(column), return_inverse=True)
        key = key * distinct.size + codes.ravel()
        values.append(distinct)
    unique_keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    rows = [np.asarray(column)[first] for column in columns]
    return rows, np.bincount(inverse), inverse


# Log-parameters stay within ±LOG_BOUND (on the scaled problem): data with no drop-out at all would
# otherwise drive a and b to infinity, where the likelihood is flat and the gamma functions lose precision.
LOG_BOUND = 6.0


def fit(x, t_x, T, *, start=(0.5, 1.0, 0.5, 0.5), penalty=0.0) -> BgNbdParams:
    """Maximum-likelihood (r, α, a, b) for arrays of frequency, recency and age (all in one time unit).

    `penalty` (0 by default) adds an L2 pull on the log-parameters for nearly degenerate data.
    """
    (x, t_x, T), weights, _ = compress(np.asarray(x, float), np.asarray(t_x, float), np.asarray(T, float))
    scale = 10.0 / max(T.max(), 1e-9)  # fit on T scaled to about 10, then scale α back: better conditioned
    xs, ts, Ts = x, t_x * scale, T * scale
    unique_x, x_inverse = np.unique(x, return_inverse=True)
    x_index = (unique_x, x_inverse.ravel())
    total_weight = weights.sum()

    def objective(log_params):
        value = -(weights * log_likelihood_terms(log_params, xs, ts, Ts, x_index=x_index)).sum() / total_weight
        value += penalty * float(np.sum(log_params ** 2))
        return finite_or_huge(value)

    r, alpha, a, b = np.exp(minimise_log_params(objective, start, log_bound=LOG_BOUND))
    alpha /= scale
    ll = float((weights * log_likelihood_terms(np.log([r, alpha, a, b]), x, t_x, T)).sum())
    return BgNbdParams(float(r), float(alpha), float(a), float(b), ll)


def _log_odds_dropped(params: BgNbdParams, x, t_x, T):
    """log of δ(x>0)·a/(b+x−1)·((α+T)/(α+t_x))^(r+x); -inf when x = 0."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)),
            -np.inf,
        )


def probability_alive(params: BgNbdParams, x, t_x, T):
    """P(alive | x, t_x, T) (FHL 2005, eq. 11), as a logistic of the log odds so it never overflows."""
    return special.expit(-_log_odds_dropped(params, np.asarray(x, float), np.asarray(t_x, float), np.asarray(T, float)))


def expected_purchases(params: BgNbdParams, t, x, t_x, T):
    """E[Y(t) | x, t_x, T]: expected purchases in the next `t` (FHL 2005, eq. 10).

    The factor H = ((α+T)/(α+T+t))^(r+x)·₂F₁(r+x, b+x; a+b+x−1; z), z = t/(α+T+t), overflows as written for
    heavy buyers. Pfaff's transformation turns it into ₂F₁(r+x, a−1; a+b+x−1; −t/(α+T)), stable while
    t < α+T; beyond that Euler's, (1−z)^(a−1)·₂F₁(a+b−1−r, a−1; a+b+x−1; z). Where neither is finite
    (extreme parameters) the customer's expected rate without drop-out, (r+x)/(α+T)·t, is the fallback.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
    c = a + b + x - 1
    near = t < alpha + T
    with np.errstate(all="ignore"):
        hyper = np.full(x.shape, np.nan)
        hyper[near] = special.hyp2f1(r + x[near], a - 1, c[near], -t / (alpha + T[near]))
        rest = ~np.isfinite(hyper)
        z = t / (alpha + T[rest] + t)
        hyper[rest] = np.power(1 - z, a - 1) * special.hyp2f1(a + b - 1 - r, a - 1, c[rest], z)
        expected = c / (a - 1) * (1 - hyper)
    fallback = (r + x) / (alpha + T) * t
    expected = np.where(np.isfinite(expected) & (expected >= 0), expected, fallback)
    return expected * probability_alive(params, x, t_x, T)


def simulate(params: BgNbdParams, n: int, T, *, rng: np.random.Generator):
    """Draw (x, t_x) for `n` customers observed for `T` each, from the model itself (for recovery tests)."""
    T = np.broadcast_to(np.asarray(T, float), (n,))
    lam = rng.gamma(params.r, 1 / params.alpha, n)
    p = rng.beta(params.a, params.b, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    now = np.zeros(n)
    active = np.ones(n, bool)
    while active.any():
        idx = np.flatnonzero(active)
        now[idx] += rng.exponential(1 / lam[idx])
        bought = now[idx] <= T[idx]
        buyers = idx[bought]
        x[buyers] += 1
        t_x[buyers] = now[buyers]
        dropped = rng.random(buyers.size) < p[buyers]
        active[idx[~bought]] = False
        active[buyers[dropped]] = False
    return x, t_x, T.copy()
