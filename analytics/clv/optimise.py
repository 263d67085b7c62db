"""The one maximum-likelihood search both CLV models use: bounded, over the logs of their parameters."""
import numpy as np
from scipy import optimize


def minimise_log_params(objective, start, *, log_bound: float) -> np.ndarray:
    """The log-parameters minimising `objective` (a negative log-likelihood), each within ±`log_bound`.

    A quasi-Newton pass converges in a hundred or so evaluations; the simplex method takes over only when it
    reports failure (rough numerical gradients near a bound), and the better of the two answers is kept.
    """
    bounds = [(-log_bound, log_bound)] * len(start)
    best = optimize.minimize(objective, np.log(start), method="L-BFGS-B", bounds=bounds,
                             options={"maxiter": 500, "ftol": 1e-13, "gtol": 1e-9})
    if not best.success:
        polished = optimize.minimize(objective, best.x, method="Nelder-Mead", bounds=bounds,
                                     options={"maxiter": 2000, "xatol": 1e-8, "fatol": 1e-13})
        best = polished if polished.fun <= best.fun else best
    return best.x


def finite_or_huge(value: float) -> float:
    """An objective's value, or a huge one where the likelihood under- or overflowed (the search backs off)."""
    return value if np.isfinite(value) else 1e300
