"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999).

A customer's transactions are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers; the data is the number of
repeat transactions x > 0 and their mean value m. Fitted by maximum likelihood over log-parameters.
"""
from dataclasses import dataclass

import numpy as np
from scipy import special

from .optimise import finite_or_huge, minimise_log_params


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    v: float
    log_likelihood: float = float("nan")

    @property
    def population_mean(self) -> float:
        """Expected spend of a customer with no repeat purchase yet (defined for q > 1)."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else float("nan")


def log_likelihood_terms(log_params, x, m, *, x_index=None):
    """Per-customer log-likelihood; with `x_index` (unique x, each row's index) the gamma functions, which
    depend on x alone, are computed once per distinct x."""
    p, q, v = np.exp(log_params)
    ux, inverse = x_index if x_index is not None else (x, None)
    gammas = special.gammaln(p * ux + q) - special.gammaln(p * ux) - special.gammaln(q)
    if inverse is not None:
        gammas = gammas[inverse]
    px = p * x
    mx = m * x
    return gammas + q * np.log(v) + (px - 1) * np.log(mx) + np.log(x) - (px + q) * np.log(v + mx)


LOG_BOUND = 8.0  # p, q, v within e^±8 (v on spends scaled to about 1): keeps degenerate data finite


def fit(x, m, *, start=(1.0, 1.0, 1.0)) -> GammaGammaParams:
    """Maximum-likelihood (p, q, v) from repeat-purchase counts `x` > 0 and mean repeat spends `m` > 0."""
    x, m = np.asarray(x, float), np.asarray(m, float)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    scale = 1.0 / max(np.median(m), 1e-9)  # fit on spends scaled to about 1: v scales with them
    ms = m * scale
    unique_x, x_inverse = np.unique(x, return_inverse=True)
    x_index = (unique_x, x_inverse.ravel())

    def objective(log_params):
        value = -log_likelihood_terms(log_params, x, ms, x_index=x_index).mean()
        return finite_or_huge(value)

    p, q, v = np.exp(minimise_log_params(objective, start, log_bound=LOG_BOUND))
    v /= scale
    ll = float(log_likelihood_terms(np.log([p, q, v]), x, m).sum())
    return GammaGammaParams(float(p), float(q), float(v), ll)


def expected_spend(params: GammaGammaParams, x, m):
    """E[M | x, m]: a weighted mean of the population mean and the customer's own mean (the population
    mean alone for x = 0)."""
    x, m = np.asarray(x, float), np.asarray(m, float)
    p, q, v = params.p, params.q, params.v
    with np.errstate(invalid="ignore", divide="ignore"):
        own = (v + m * x) * p / (p * x + q - 1)
    return np.where(x > 0, own, params.population_mean)


def simulate(params: GammaGammaParams, x, *, rng: np.random.Generator):
    """Mean spend of `x` transactions per customer drawn from the model (for recovery tests)."""
    x = np.asarray(x, int)
    nu = rng.gamma(params.q, 1 / params.v, x.size)
    # The mean of x Gamma(p, ν) draws is Gamma(p·x, ν·x).
    return rng.gamma(params.p * x, 1 / (nu * x))
