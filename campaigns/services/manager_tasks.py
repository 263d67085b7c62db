"""The managers' task queue: taking tasks and closing them (the admin's actions call these)."""
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..models import ManagerTask

OPEN_STATUSES = [ManagerTask.Status.OPEN, ManagerTask.Status.IN_PROGRESS]


@transaction.atomic
def manager_tasks_assign(*, tasks: QuerySet[ManagerTask], assignee) -> int:
    """Give the still open tasks among `tasks` to `assignee` (one UPDATE); done and cancelled tasks keep the
    manager who handled them. Returns how many were assigned. Running it twice changes nothing more."""
    return tasks.filter(status__in=OPEN_STATUSES).update(assignee=assignee)


@transaction.atomic
def manager_tasks_close(*, tasks: QuerySet[ManagerTask]) -> int:
    """Mark the open tasks among `tasks` done now; tasks closed before keep their status and time."""
    return tasks.filter(status__in=OPEN_STATUSES).update(status=ManagerTask.Status.DONE, done_at=timezone.now())
