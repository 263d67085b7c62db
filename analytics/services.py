"""Writes of the analytics app: fitting the CLV models and storing every member's predictions."""
import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.db import transaction

from core.exceptions import DomainError
from core.timezones import shop_today

from .clv.scoring import UNIT_DAYS, ClvModels, fit_models, score_members
from .clv.storage import scores_store
from .clv.summary import purchase_summary
from .models import ClvFit

logger = logging.getLogger(__name__)


@dataclass
class ClvFitResult:
    fit: ClvFit
    models: ClvModels
    members: int
    updated: int
    timings: dict[str, float]


def clv_fit(*, as_of: dt.date | None = None, time_unit: str = "weeks", progress=None, store: bool = True) -> ClvFitResult:
    """Fit BG/NBD and Gamma-Gamma on completed orders up to the end of `as_of` (today by default), score
    every member and store the predictions in their statistics row, and record the fit as a `ClvFit`.

    Scores and the fit row are written in one transaction: a crash leaves the previous scores whole.
    `store=False` (benchmarks) computes everything and writes nothing.
    Running it twice for the same day writes the same values. Raises DomainError `no_purchases` when no
    member has a completed order, `invalid_time_unit` for a unit other than days or weeks.
    """
    if time_unit not in UNIT_DAYS:
        raise DomainError("Time unit must be days or weeks.", code="invalid_time_unit", fields={"time_unit": [time_unit]})
    as_of = as_of or shop_today()
    say = progress or (lambda message: None)
    timings = {}
    started = clock = time.monotonic()

    def lap(name):
        nonlocal clock
        now = time.monotonic()
        timings[name] = round(now - clock, 3)
        clock = now

    summary = purchase_summary(as_of=as_of)
    lap("summary")
    if not len(summary):
        raise DomainError("No completed orders to fit on.", code="no_purchases")
    say(f"Summarised {len(summary)} members with purchases.")
    models = fit_models(summary, time_unit=time_unit)
    lap("fit")
    say(f"Fitted BG/NBD r={models.bgnbd.r:.4g} alpha={models.bgnbd.alpha:.4g} a={models.bgnbd.a:.4g} b={models.bgnbd.b:.4g}.")
    scores = score_members(summary, models)
    lap("score")
    if not store:
        fit = ClvFit(as_of=as_of, time_unit=time_unit, members=len(summary), r=models.bgnbd.r, alpha=models.bgnbd.alpha,
                     a=models.bgnbd.a, b=models.bgnbd.b, bgnbd_log_likelihood=models.bgnbd.log_likelihood,
                     seconds=round(time.monotonic() - started, 3))
        return ClvFitResult(fit=fit, models=models, members=len(summary), updated=0, timings=timings)
    with transaction.atomic():
        updated = scores_store(scores)
        gg = models.gamma_gamma
        fit = ClvFit.objects.create(
            as_of=as_of, time_unit=time_unit, members=len(summary), repeat_members=int((summary.frequency > 0).sum()),
            r=models.bgnbd.r, alpha=models.bgnbd.alpha, a=models.bgnbd.a, b=models.bgnbd.b,
            bgnbd_log_likelihood=models.bgnbd.log_likelihood,
            p=gg.p if gg else None, q=gg.q if gg else None, v=gg.v if gg else None,
            gamma_gamma_log_likelihood=gg.log_likelihood if gg else None,
            seconds=round(time.monotonic() - started, 3),
        )
    lap("store")
    say(f"Stored scores of {updated} members.")
    logger.info("clv_fit_finished members=%s updated=%s seconds=%s", len(summary), updated, fit.seconds)
    return ClvFitResult(fit=fit, models=models, members=len(summary), updated=updated, timings=timings)
