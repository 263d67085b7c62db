"""Fit both models on a purchase summary and score every member, vectorised (no loop over members)."""
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from . import bgnbd, gamma_gamma
from .summary import EARLIER_DAYS, RECENT_DAYS, PurchaseSummary

UNIT_DAYS = {"days": 1.0, "weeks": 7.0}
DAYS_PER_MONTH = 365.25 / 12
MIN_REPEAT_MEMBERS = 10  # fewer repeat buyers than this cannot fit the spend model


def _setting(name, default):
    return getattr(settings, name, default)


@dataclass
class ClvModels:
    bgnbd: bgnbd.BgNbdParams
    gamma_gamma: gamma_gamma.GammaGammaParams | None
    time_unit: str
    retention_years: float


@dataclass
class MemberScores:
    member_id: np.ndarray
    predicted_purchases_90: np.ndarray
    predicted_purchases_365: np.ndarray
    prob_alive: np.ndarray
    predicted_clv: np.ndarray
    simple_clv: np.ndarray
    spend_trend: np.ndarray  # "declining", "stable", "growing" or ""


def model_inputs(summary: PurchaseSummary, time_unit: str):
    unit = UNIT_DAYS[time_unit]
    return summary.frequency, summary.recency_days / unit, summary.age_days / unit


def average_retention_years(summary: PurchaseSummary) -> float:
    """1 / yearly churn: of the members who bought in the year before last, the share who did not buy in
    the last year; `ANALYTICS_RETENTION_YEARS` overrides it, `ANALYTICS_MAX_RETENTION_YEARS` (10) caps it."""
    fixed = _setting("ANALYTICS_RETENTION_YEARS", None)
    if fixed:
        return float(fixed)
    cap = float(_setting("ANALYTICS_MAX_RETENTION_YEARS", 10))
    cohort = summary.bought_year_before
    if not cohort.any():
        return 1.0
    churn = 1.0 - (cohort & summary.bought_last_year).sum() / cohort.sum()
    return min(cap, 1.0 / churn) if churn > 0 else cap


def fit_models(summary: PurchaseSummary, *, time_unit: str) -> ClvModels:
    x, t_x, T = model_inputs(summary, time_unit)
    bg = bgnbd.fit(x, t_x, T)
    repeaters = (summary.frequency > 0) & (summary.monetary > 0)
    gg = gamma_gamma.fit(summary.frequency[repeaters], summary.monetary[repeaters]) \
        if repeaters.sum() >= MIN_REPEAT_MEMBERS else None
    return ClvModels(bg, gg, time_unit, average_retention_years(summary))


def spend_trend(summary: PurchaseSummary) -> np.ndarray:
    """Spend per day in the last 90 days against the member's rate over up to a year before them.

    "declining" below `ANALYTICS_DECLINE_RATIO` (0.5) of the earlier rate, "growing" above its inverse
    share (1.5 by default), "stable" between; "" for members with less than 90 days of earlier history.
    """
    ratio = float(_setting("ANALYTICS_DECLINE_RATIO", 0.5))
    earlier_days = np.clip(summary.age_days - RECENT_DAYS, 0, EARLIER_DAYS)
    with np.errstate(invalid="ignore", divide="ignore"):
        earlier_rate = summary.earlier_spend / earlier_days
    recent_rate = summary.recent_spend / RECENT_DAYS
    trend = np.full(len(summary), "stable", dtype=object)
    trend[recent_rate < ratio * earlier_rate] = "declining"
    trend[recent_rate > (2 - ratio) * earlier_rate] = "growing"
    trend[(earlier_days < RECENT_DAYS) | ~(earlier_rate > 0)] = ""
    return trend


def score_members(summary: PurchaseSummary, models: ClvModels) -> MemberScores:
    """Predictions for every summarised member; members sharing (x, t_x, T) are computed once."""
    x, t_x, T = model_inputs(summary, models.time_unit)
    (ux, ut, uT), _, inverse = bgnbd.compress(x, t_x, T)
    unit = UNIT_DAYS[models.time_unit]
    bg = models.bgnbd

    def purchases(days):
        return bgnbd.expected_purchases(bg, days / unit, ux, ut, uT)[inverse]

    alive = bgnbd.probability_alive(bg, ux, ut, uT)[inverse]
    p90, p365 = purchases(90.0), purchases(365.0)
    if models.gamma_gamma is not None:
        spend = gamma_gamma.expected_spend(models.gamma_gamma, summary.frequency, summary.monetary)
    else:
        spend = summary.total_spend / np.maximum(summary.frequency + 1, 1)
    monthly_discount = float(_setting("ANALYTICS_CLV_MONTHLY_DISCOUNT", 0.01))
    months = int(_setting("ANALYTICS_CLV_MONTHS", 12))
    clv = np.zeros(len(summary))
    previous = np.zeros(len(summary))
    for month in range(1, months + 1):  # a loop over 12 months, each step vectorised over members
        cumulative = purchases(month * DAYS_PER_MONTH)
        clv += (cumulative - previous) * spend / (1 + monthly_discount) ** month
        previous = cumulative
    with np.errstate(invalid="ignore", divide="ignore"):
        aov = summary.total_spend / np.maximum(summary.orders, 1)
    simple = aov * summary.orders_last_year * models.retention_years
    return MemberScores(summary.member_id, p90, p365, alive, np.round(clv, 2), np.round(simple, 2),
                        spend_trend(summary))
