import pytest

from portal.models import MemberToken

pytestmark = pytest.mark.django_db


def test_staff_can_search_and_revoke_member_tokens(admin_client, api, member):
    page = admin_client.get("/admin/portal/membertoken/", {"q": member.external_id})
    assert page.status_code == 200 and member.user.username in page.content.decode()
    token = MemberToken.objects.get(user=member.user)
    admin_client.post("/admin/portal/membertoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert api.get("/api/v1/me").status_code == 401
    for url in ["/admin/portal/signincode/", "/admin/messaging/device/"]:
        assert admin_client.get(url).status_code == 200
