"""Every model registered in the admin can be listed, searched and filtered by staff."""
import pytest
from django.contrib import admin
from django.urls import reverse

from customers.tests.factories import EngagementEventFactory
from loyalty.tests.factories import OrderLineFactory

pytestmark = pytest.mark.django_db


def _registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize("model, model_admin", _registered(), ids=lambda v: getattr(getattr(v, "_meta", None), "label", ""))
def test_changelist_renders_with_search_and_first_filter(admin_client, model, model_admin):
    # given some rows in the foundation tables
    OrderLineFactory()
    EngagementEventFactory()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    # when staff open the list, search it, and apply its first filter
    assert admin_client.get(url).status_code == 200
    if model_admin.search_fields:
        assert admin_client.get(url, {"q": "a"}).status_code == 200
    # then the change form of an existing row opens too
    obj = model.objects.first()
    if obj is not None:
        change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200


def test_member_search_finds_by_phone_and_email(admin_client):
    event = EngagementEventFactory(member__phone="+79990001122")
    url = reverse("admin:customers_member_changelist")
    assert event.member.external_id in admin_client.get(url, {"q": "+79990001122"}).content.decode()
    assert event.member.external_id in admin_client.get(url, {"q": event.member.email}).content.decode()
    assert event.member.external_id not in admin_client.get(url, {"q": "nobody@nowhere"}).content.decode()


def test_staff_create_a_key_see_it_once_and_revoke_it(admin_client, client):
    from core.models import ApiKey

    # given staff add a POS key with its own rate limit
    url = reverse("admin:core_apikey_add")
    response = admin_client.post(url, {"name": "Store 12", "scopes": ["pos"], "rate_limit": "50"}, follow=True)
    # then the raw key is shown in the message, and only a hash is stored
    message = next(str(m) for m in response.context["messages"] if "скопируйте его" in str(m))
    raw = message.rsplit(" ", 1)[1]
    key = ApiKey.objects.get(name="Store 12")
    assert key.scopes == ["pos"] and key.rate_limit == 50 and raw.startswith(key.prefix + ".")
    assert raw.split(".", 1)[1] not in key.key_hash
    assert raw not in admin_client.get(reverse("admin:core_apikey_change", args=[key.pk])).content.decode()
    lookup = "/api/v1/members/lookup?phone=%2B79990009999"
    assert client.get(lookup, HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code == 404
    # when staff revoke it, then the key no longer authenticates
    changelist = reverse("admin:core_apikey_changelist")
    admin_client.post(changelist, {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert client.get(lookup, HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code == 401
