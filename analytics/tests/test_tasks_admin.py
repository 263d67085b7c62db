import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from analytics.models import ClvFit
from analytics.tasks import clv_fit_nightly
from customers.tests.factories import MemberFactory
from loyalty.tests.factories import OrderFactory
from segments.stats.refresh import member_stats_refresh


@pytest.mark.django_db
def test_the_nightly_task_is_scheduled_and_fits_once_per_run(admin_client):
    # given the seeded schedule and a shop with a dozen repeat buyers
    assert PeriodicTask.objects.get(task="analytics.tasks.clv_fit_nightly").crontab.hour == "4"
    assert clv_fit_nightly() is None  # nothing to fit yet: no error, nothing recorded
    assert not ClvFit.objects.exists()
    for n in range(12):
        member = MemberFactory()
        for k in range(3):
            OrderFactory(member=member, created_at=timezone.now() - dt.timedelta(days=30 * k + n))
    member_stats_refresh()
    # when
    assert clv_fit_nightly() == 12
    # then the fit is listed, read-only, in the admin
    response = admin_client.get(reverse("admin:analytics_clvfit_changelist"))
    assert response.status_code == 200 and ClvFit.objects.count() == 1
    assert admin_client.get(reverse("admin:analytics_clvfit_add")).status_code == 403
