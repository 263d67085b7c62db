"""Staff sign-in through the real admin login form: lockout (django-axes) and TOTP two-factor (django-otp)."""
import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP
from core.models import StaffTOTPDevice

pytestmark = pytest.mark.django_db
PASSWORD = "staff-long-secret-1"
LOGIN = "/admin/login/"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("clerk", password=PASSWORD, is_staff=True)


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", PASSWORD)


def _code(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def _sign_in(client, username, password=PASSWORD, code="", address="10.0.0.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password, "otp_token": code, "next": "/admin/"},
                       REMOTE_ADDR=address, **extra)


def _signed_in(client):
    return "_auth_user_id" in client.session


def test_make_runs_admin_login_works_with_the_default_settings():
    # given the demo's admin as `make run` creates it
    call_command("ensure_admin")
    client = Client()
    # when it signs in with admin / admin and no code
    response = _sign_in(client, "admin", "admin")
    # then it is in
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_repeated_failures_lock_the_username_whatever_the_address(staff, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    # when three wrong passwords come from three addresses (and forged X-Forwarded-For headers)
    answers = [_sign_in(client, "clerk", "wrong", address=f"10.0.1.{n}", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}")
               for n in range(3)]
    # then the third failure locks the username
    assert [a.status_code for a in answers] == [200, 200, 429]
    # and even the right password from a fourth address is refused with a clear Russian message and 429
    locked = _sign_in(client, "clerk", address="10.0.1.9")
    assert locked.status_code == 429 and not _signed_in(client)
    assert "Слишком много неудачных попыток входа" in locked.content.decode()
    assert locked["Retry-After"] == str(15 * 60)


def test_repeated_failures_lock_the_address_whatever_the_username(staff, django_user_model, settings):
    settings.AXES_FAILURE_LIMIT = 3
    django_user_model.objects.create_user("other", password=PASSWORD, is_staff=True)
    client = Client()
    for n in range(3):
        _sign_in(client, f"guess-{n}", "wrong", address="10.0.2.1", HTTP_X_FORWARDED_FOR=f"2.2.2.{n}")
    # the address is locked for another real user; the same user from elsewhere is fine
    assert _sign_in(client, "other", address="10.0.2.1").status_code == 429
    assert _sign_in(Client(), "other", address="10.0.2.2").status_code == 302


def test_the_lock_ends_after_the_cool_off(staff, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    for _ in range(2):
        _sign_in(client, "clerk", "wrong")
    assert _sign_in(client, "clerk").status_code == 429
    # when the cool-off (15 minutes by default) has passed
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - dt.timedelta(minutes=16))
    # then the right password works again
    assert _sign_in(client, "clerk").status_code == 302 and _signed_in(client)


@pytest.fixture
def device(staff):
    return StaffTOTPDevice.objects.create(user=staff, name="phone", confirmed=True)


def test_a_user_with_a_device_needs_its_current_code(staff, device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait after the wrong code (the device's backoff is django-otp's)
    client = Client()
    # when the password alone is sent
    without = _sign_in(client, "clerk")
    assert without.status_code == 200 and not _signed_in(client)
    assert "Введите код из приложения-аутентификатора" in without.content.decode()
    # or a wrong code
    assert _sign_in(client, "clerk", code=_code(device, offset=10)).status_code == 200 and not _signed_in(client)
    # then with the current code the user is in, and the session is verified
    current = _code(device)  # one code for both sign-ins: a fresh one after a 30 s step would be valid again
    assert _sign_in(client, "clerk", code=current).status_code == 302
    assert client.get("/admin/").status_code == 200
    # and the same code does not work twice
    assert _sign_in(Client(), "clerk", code=current).status_code == 200


def test_wrong_codes_count_toward_the_lockout(staff, device, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the device's own backoff is not under test here
    client = Client()
    answers = [_sign_in(client, "clerk", code=_code(device, offset=offset)).status_code for offset in (10, 11, 12)]
    assert answers == [200, 200, 429]
    assert _sign_in(client, "clerk", code=_code(device)).status_code == 429 and not _signed_in(client)


def test_a_session_not_verified_by_a_code_does_not_reach_the_admin_or_the_dashboards(client, staff, device):
    # given a session made without the code (e.g. from before the device was added)
    client.force_login(staff)
    # then the admin and the dashboards send it to the login form
    for url in ("/admin/", "/admin/dashboards/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_staff_add_an_authenticator_app_by_qr_code(staff, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait after the wrong code
    client = Client()
    _sign_in(client, "clerk")
    # when they start the set-up
    client.post("/admin/two-factor/", {"action": "start"})
    page = client.get("/admin/two-factor/")
    # then a QR code of a fresh secret is shown, and the device is not yet in use
    assert page.status_code == 200 and "<svg" in page.content.decode()
    pending = StaffTOTPDevice.objects.get(user=staff)
    assert not pending.confirmed
    # a wrong code does not confirm it
    client.post("/admin/two-factor/", {"action": "confirm", "otp_token": _code(pending, offset=10)})
    pending.refresh_from_db()
    assert not pending.confirmed
    # the app's current code does, and the next sign-in asks for a code
    done = client.post("/admin/two-factor/", {"action": "confirm", "otp_token": _code(pending)})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert StaffTOTPDevice.objects.get(user=staff).confirmed
    assert client.get("/admin/").status_code == 200
    assert _sign_in(Client(), "clerk").status_code == 200


def test_with_require_2fa_a_superuser_without_a_device_only_reaches_the_set_up(boss, staff, settings):
    settings.STAFF_REQUIRE_2FA = True
    client = Client()
    # when the superuser signs in with the password
    assert _sign_in(client, "boss").status_code == 302
    # then every admin page leads to the two-factor set-up
    for url in ("/admin/", "/admin/core/apikey/", "/admin/dashboards/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/two-factor/"
    assert "Суперпользователи должны" in client.get("/admin/two-factor/").content.decode()
    # when the device is confirmed, the admin opens
    client.post("/admin/two-factor/", {"action": "start"})
    client.post("/admin/two-factor/", {"action": "confirm", "otp_token": _code(StaffTOTPDevice.objects.get(user=boss))})
    assert client.get("/admin/").status_code == 200
    # and ordinary staff are not forced
    clerk = Client()
    _sign_in(clerk, "clerk")
    assert clerk.get("/admin/").status_code == 200

