import datetime as dt

import pytest
from django.urls import reverse

from customers.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_admin_shows_times_in_the_shops_zone(admin_client, settings):
    # given a member registered at 21:30 UTC, in a shop on Moscow time (UTC+3)
    settings.SHOP_TIME_ZONE = "Europe/Moscow"
    member = MemberFactory(registered_at=dt.datetime(2026, 5, 4, 21, 30, tzinfo=dt.UTC))

    # when staff open the member in the admin
    page = admin_client.get(reverse("admin:customers_member_change", args=[member.pk])).content.decode()

    # then the time reads 00:30 on the next day, as the shop's clock said
    assert 'value="2026-05-05"' in page or "05.05.2026" in page
    assert "00:30" in page
