import pytest
from django_celery_beat.models import PeriodicTask

from core.testing.celery_worker import wait_until
from lifecycle.models import StageTransition
from lifecycle.tasks import lifecycle_recompute_all
from lifecycle.tests.test_services import AS_OF, buyer, stage_of


@pytest.mark.django_db
def test_the_daily_schedule_is_a_database_row_staff_can_edit():
    task = PeriodicTask.objects.get(task="lifecycle.tasks.lifecycle_recompute_all")
    assert task.enabled and task.crontab.hour == "3"
    assert lifecycle_recompute_all.name == task.task


@pytest.mark.worker
def test_scheduled_path_on_a_real_worker_records_each_transition_once(celery_worker_process, default_stages):
    # given members in three id ranges (two members each) and a real worker on Redis
    members = [buyer(1, 12), buyer(3, 60), buyer(2, 80), buyer(1, 30), buyer(3, 20)]
    worker = celery_worker_process()
    # when the scheduled task fires, and fires again the same day
    lifecycle_recompute_all.delay(AS_OF.isoformat(), 2)
    wait_until(lambda: StageTransition.objects.count() == 5, message="five transitions")
    lifecycle_recompute_all.delay(AS_OF.isoformat(), 2)
    # then the second run's three range tasks finish (six in all) and record nothing new
    wait_until(lambda: worker.log().count("lifecycle_recompute_range_task[") >= 12, message="second run's ranges")
    wait_until(lambda: worker.log().count("succeeded") >= 8, message="all tasks succeeded")
    assert StageTransition.objects.count() == 5
    assert [stage_of(m) for m in members] == ["new", "at_risk", "dormant", "promising", "loyal"]
