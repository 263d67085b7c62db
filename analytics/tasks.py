from celery import shared_task

from core.exceptions import DomainError

from .services import clv_fit, member_scores_refresh


@shared_task(acks_late=True)
def clv_fit_nightly() -> int | None:
    """Refit the CLV models and rescore every member (after the 02:30 statistics refresh). Safe to run twice:
    the second run rewrites the same scores in one transaction."""
    try:
        return clv_fit().members
    except DomainError:  # a shop without completed orders yet
        return None


@shared_task(acks_late=True)
def member_scores_refresh_task(member_ids: list[int] | None = None) -> int | None:
    """After an import: the touched members' statistics, RFM, stages and CLV (analytics.services.member_scores_refresh).
    Safe to run twice: every step rewrites only what changed."""
    return member_scores_refresh(member_ids=member_ids).members
