"""Writes of the analytics app: fitting the CLV models and storing every member's predictions."""
import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.db import transaction

from core.exceptions import DomainError
from core.timezones import shop_today

from lifecycle.services import lifecycle_recompute, lifecycle_recompute_members
from segments.selectors import member_stats_freshness
from segments.stats import member_stats_refresh
from segments.stats.rfm import member_rfm_rescore

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


STATS_IDS_PER_REFRESH = 20_000  # member ids per partial statistics refresh (SQLite's parameter limit)


@dataclass
class MemberScoresRefreshResult:
    members: int | None  # None: everyone
    stats_written: int = 0
    rfm_written: int = 0
    stage_moves: int = 0
    clv_members: int | None = None  # None: no completed orders to fit on
    seconds: float = 0.0


def member_scores_refresh(*, member_ids=None, as_of: dt.date | None = None) -> MemberScoresRefreshResult:
    """Bring the statistics, RFM scores, lifecycle stages and CLV scores of `member_ids` up to date now,
    instead of at the nightly run (used after every import, and by `make run`'s demo).

    Set-based over the given ids: their statistics (segments.stats, in chunks), their RFM quintiles among
    all buyers (segments.stats.rfm), the lifecycle ranges that hold them (lifecycle). With `member_ids`
    None, or when the statistics were never computed for everyone, it is the nightly work for all
    members instead (statistics with RFM, every stage). CLV models are fitted on the whole population,
    so they are refitted and every member rescored (clv_fit); a shop without completed orders skips it.
    Each step is idempotent and commits on its own: a rerun after a crash finishes the job.
    """
    started = time.monotonic()
    as_of = as_of or shop_today()
    ids = None if member_ids is None else sorted(set(member_ids))
    if ids is not None and member_stats_freshness()["refreshed_at"] is None:
        ids = None  # the shop's first statistics: rank everyone, or RFM quintiles would be of a few
    result = MemberScoresRefreshResult(members=None if ids is None else len(ids))
    if ids is None:
        result.stats_written = member_stats_refresh(as_of=as_of).written
        result.stage_moves = lifecycle_recompute(as_of=as_of).moved
    elif ids:
        for start in range(0, len(ids), STATS_IDS_PER_REFRESH):
            chunk = ids[start:start + STATS_IDS_PER_REFRESH]
            result.stats_written += member_stats_refresh(as_of=as_of, member_ids=chunk).written
        result.rfm_written = member_rfm_rescore(member_ids=ids)
        result.stage_moves = sum(lifecycle_recompute_members(member_ids=ids, as_of=as_of).values())
    if ids is None or ids:
        try:
            result.clv_members = clv_fit(as_of=as_of).members
        except DomainError:  # no completed orders yet
            result.clv_members = None
    result.seconds = round(time.monotonic() - started, 3)
    logger.info("member_scores_refreshed members=%s stats_written=%s rfm_written=%s stage_moves=%s clv_members=%s "
                "seconds=%s", "all" if result.members is None else result.members, result.stats_written,
                result.rfm_written, result.stage_moves, result.clv_members, result.seconds)
    return result
