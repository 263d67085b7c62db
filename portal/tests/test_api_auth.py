import datetime as dt
import re

import pytest
from django.utils import timezone

from customers.models import ConsentRecord, Member
from portal.models import MemberToken, SignInCode

from .factories import PASSWORD

pytestmark = pytest.mark.django_db


def _code_from(message):
    return re.search(r"\b(\d{6})\b", message["body"]).group(1)


def test_sign_up_creates_a_member_with_consent_proof_and_returns_a_working_token(anon):
    # when
    response = anon.post("/api/v1/auth/sign-up", {"login": "Anna@Example.com", "password": "a-long-pass-phrase",
                                                  "first_name": "Anna", "personal_data_consent": True,
                                                  "email_consent": True}, format="json")
    # then
    assert response.status_code == 201, response.json()
    member = Member.objects.get(email="anna@example.com")
    assert member.user.check_password("a-long-pass-phrase")
    assert member.email_consent and not member.sms_consent
    assert set(ConsentRecord.objects.filter(member=member).values_list("purpose", flat=True)) == {"personal_data", "email"}
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    assert anon.get("/api/v1/me").json()["first_name"] == "Anna"


def test_sign_up_refuses_a_taken_login_without_consent_or_with_a_weak_password(anon, member):
    taken = anon.post("/api/v1/auth/sign-up", {"login": member.email, "password": "a-long-pass-phrase",
                                               "personal_data_consent": True}, format="json")
    no_consent = anon.post("/api/v1/auth/sign-up", {"login": "new@example.com", "password": "a-long-pass-phrase",
                                                    "personal_data_consent": False}, format="json")
    weak = anon.post("/api/v1/auth/sign-up", {"login": "new@example.com", "password": "123",
                                              "personal_data_consent": True}, format="json")
    assert taken.status_code == 409
    assert no_consent.status_code == 400 and "personal_data_consent" in no_consent.json()["error"]["fields"]
    assert weak.status_code == 400 and "password" in weak.json()["error"]["fields"]
    assert not Member.objects.filter(email="new@example.com").exists()


# Email in any case, the stored phone, and the same phone written the national way ("8 999…" for "+7999…").
@pytest.mark.parametrize("login_of", [lambda m: m.email.upper(), lambda m: m.phone, lambda m: "8 " + m.phone[2:]])
def test_sign_in_with_email_or_phone_and_password(anon, member, login_of):
    response = anon.post("/api/v1/auth/sign-in", {"login": login_of(member), "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert MemberToken.objects.get(user=member.user).expires_at > timezone.now() + dt.timedelta(days=29)


def test_wrong_password_is_refused_and_no_token_is_made(anon, member):
    response = anon.post("/api/v1/auth/sign-in", {"login": member.email, "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert not MemberToken.objects.exists()


def test_tokens_are_stored_hashed(api, member):
    token = MemberToken.objects.get(user=member.user)
    assert api.raw_token.split(".", 1)[1] not in token.key_hash


def test_sign_out_revokes_the_token(api):
    assert api.post("/api/v1/auth/sign-out").status_code == 204
    assert api.get("/api/v1/me").status_code == 401


def test_an_expired_token_is_refused(api, member):
    MemberToken.objects.filter(user=member.user).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api.get("/api/v1/me").status_code == 401


def test_sign_in_by_code_sent_by_sms(anon, member, sent):
    # when
    assert anon.post("/api/v1/auth/code", {"login": member.phone}, format="json").status_code == 202
    # then the code went by SMS to the phone and is stored only hashed
    assert [m["channel"] for m in sent()] == ["sms"] and sent()[0]["to"] == member.phone
    code = _code_from(sent()[0])
    assert code not in SignInCode.objects.get(member=member).code_hash
    response = anon.post("/api/v1/auth/code/verify", {"login": member.phone, "code": code}, format="json")
    assert response.status_code == 200
    # and it works once
    again = anon.post("/api/v1/auth/code/verify", {"login": member.phone, "code": code}, format="json")
    assert again.status_code == 400


def test_code_sign_in_links_an_imported_member_to_a_new_user(anon, sent):
    imported = Member.objects.create(external_id="SHOP-1", email="shop@example.com", registered_at=timezone.now())
    anon.post("/api/v1/auth/code", {"login": "shop@example.com"}, format="json")
    response = anon.post("/api/v1/auth/code/verify", {"login": "shop@example.com", "code": _code_from(sent()[0])},
                         format="json")
    assert response.status_code == 200
    imported.refresh_from_db()
    assert imported.user is not None and not imported.user.has_usable_password()


def test_a_code_dies_after_too_many_wrong_attempts(anon, member, sent, settings):
    settings.PORTAL_CODE_MAX_ATTEMPTS = 3
    settings.PORTAL_LOGIN_LIMITS = {"sign_in": {"free": 10}}  # the code's own limit, not the login's, is under test
    anon.post("/api/v1/auth/code", {"login": member.email}, format="json")
    code = _code_from(sent()[0])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert anon.post("/api/v1/auth/code/verify", {"login": member.email, "code": wrong}, format="json").status_code == 400
    assert anon.post("/api/v1/auth/code/verify", {"login": member.email, "code": code}, format="json").status_code == 400
    assert SignInCode.objects.get(member=member).attempts == 3


def test_an_expired_code_is_refused(anon, member, sent):
    anon.post("/api/v1/auth/code", {"login": member.email}, format="json")
    SignInCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = anon.post("/api/v1/auth/code/verify", {"login": member.email, "code": _code_from(sent()[0])}, format="json")
    assert response.status_code == 400


def test_code_request_for_an_unknown_login_looks_the_same_and_sends_nothing(anon, sent):
    response = anon.post("/api/v1/auth/code", {"login": "nobody@example.com"}, format="json")
    assert response.status_code == 202
    assert sent() == []


def test_code_requests_are_throttled_per_client_address(anon, sent):
    # when one address asks for codes for six different logins, whatever X-Forwarded-For it sends
    codes = [anon.post("/api/v1/auth/code", {"login": f"someone-{n}@example.com"}, format="json",
                       HTTP_X_FORWARDED_FOR=f"10.1.0.{n}").status_code for n in range(6)]
    # then the sixth is refused
    assert codes == [202] * 5 + [429]


def test_sign_in_is_throttled_per_client_address_whatever_x_forwarded_for_says(anon):
    # given no trusted proxy (the default): X-Forwarded-For is the client's own words
    # when one address tries 30 passwords on 30 logins, rotating the header
    codes = [anon.post("/api/v1/auth/sign-in", {"login": f"someone-{n}@example.com", "password": "x"}, format="json",
                       HTTP_X_FORWARDED_FOR=f"10.2.0.{n}").status_code for n in range(30)]
    # then the rate per address holds
    assert codes == [400] * 10 + [429] * 20


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count(anon, settings):
    # given one proxy of ours in front: it appends the address it saw
    settings.TRUSTED_PROXY_COUNT = 1
    # when a client forges an address before the proxy's entry
    codes = [anon.post("/api/v1/auth/sign-in", {"login": f"someone-{n}@example.com", "password": "x"}, format="json",
                       HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 198.51.100.2").status_code for n in range(11)]
    # then it is still counted as 198.51.100.2, while another client behind the proxy is not affected
    assert codes == [400] * 10 + [429]
    other = anon.post("/api/v1/auth/sign-in", {"login": "someone@example.com", "password": "x"}, format="json",
                      HTTP_X_FORWARDED_FOR="198.51.100.3")
    assert other.status_code == 400


def test_password_reset_sets_a_new_password_and_revokes_old_tokens(anon, api, member, sent):
    # given
    assert anon.post("/api/v1/auth/password-reset", {"login": member.email}, format="json").status_code == 202
    uid, token = re.search(r"uid=([^&\s]+)&token=(\S+)", sent()[0]["body"]).groups()
    # when
    response = anon.post("/api/v1/auth/password-reset/confirm",
                         {"uid": uid, "token": token, "password": "brand-new-secret-9"}, format="json")
    # then
    assert response.status_code == 200
    member.user.refresh_from_db()
    assert member.user.check_password("brand-new-secret-9")
    assert api.get("/api/v1/me").status_code == 401
    reused = anon.post("/api/v1/auth/password-reset/confirm",
                       {"uid": uid, "token": token, "password": "another-secret-9"}, format="json")
    assert reused.status_code == 400


@pytest.mark.parametrize("typed", ["8 (999) 000-11-22", "+7 999 000 11 22", "89990001122"])
def test_sign_up_by_phone_stores_it_in_e164(anon, typed):
    response = anon.post("/api/v1/auth/sign-up", {"login": typed, "password": "a-long-pass-phrase",
                                                  "personal_data_consent": True}, format="json")
    assert response.status_code == 201, response.json()
    assert Member.objects.filter(phone="+79990001122").count() == 1


def test_sign_up_with_an_invalid_phone_is_a_400_on_the_login(anon):
    response = anon.post("/api/v1/auth/sign-up", {"login": "8 (999) 000-11", "password": "a-long-pass-phrase",
                                                  "personal_data_consent": True}, format="json")
    assert response.status_code == 400 and "login" in response.json()["error"]["fields"]
    assert not Member.objects.exists()


def test_an_imported_member_claims_the_account_by_code_sent_to_a_phone_typed_another_way(anon, sent):
    # given a member imported with a phone (stored in E.164)
    imported = Member.objects.create(external_id="SHOP-2", phone="+79990001122", registered_at=timezone.now())
    # when they ask for a code typing the phone the national way, and verify it typed yet another way
    assert anon.post("/api/v1/auth/code", {"login": "8 (999) 000-11-22"}, format="json").status_code == 202
    response = anon.post("/api/v1/auth/code/verify", {"login": "+7 999 000 11 22", "code": _code_from(sent()[0])},
                         format="json")
    # then
    assert sent()[0]["to"] == "+79990001122"
    assert response.status_code == 200
    imported.refresh_from_db()
    assert imported.user is not None


def test_a_stored_code_cannot_be_found_by_trying_every_code_without_the_server_key(anon, member, sent, settings):
    # given a code sent to the member
    import hashlib

    anon.post("/api/v1/auth/code", {"login": member.phone}, format="json")
    code, row = _code_from(sent()[0]), SignInCode.objects.get(member=member)

    # when someone who read the row tries the code with the row's salt but without the server's key
    unkeyed = hashlib.sha256(f"{row.salt}{code}".encode()).hexdigest()

    # then it does not match; and under another SECRET_KEY even the right code is refused
    assert unkeyed != row.code_hash
    settings.SECRET_KEY = "another-key-" + "x" * 40
    response = anon.post("/api/v1/auth/code/verify", {"login": member.phone, "code": code}, format="json")
    assert response.status_code == 400
