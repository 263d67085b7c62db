"""Failed sign-ins and messages sent are limited per login, from however many addresses they come."""
import uuid

import pytest
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import caches
from django.test import override_settings

from core.exceptions import DomainError, TooManyAttempts
from core.testing.parallel import errors_of, run_at_once
from customers.tests.factories import MemberFactory
from portal import services
from portal.services import login_limits

from .factories import PASSWORD, MemberWithUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The limiter's clock, moved by hand: `clock.now += 60`."""

    class Clock:
        now = 1_000_000.0

    monkeypatch.setattr(login_limits, "_clock", lambda: Clock.now)
    return Clock


def _sign_in(anon, login, password, address):
    return anon.post("/api/v1/auth/sign-in", {"login": login, "password": password}, format="json",
                     REMOTE_ADDR=address)


def _outcome(login, password):
    try:
        services.member_sign_in_password(login=login, password=password)
    except TooManyAttempts as exc:
        return exc.code, exc.retry_after
    except DomainError as exc:
        return exc.code
    return "signed_in"


def test_guesses_spread_over_many_addresses_still_meet_the_login_limit(anon, member, clock):
    # when 30 addresses each try one wrong password on the same login, at once
    answers = [_sign_in(anon, member.email, f"guess-{n}", f"10.9.{n}.1") for n in range(30)]
    # then three are checked, and the rest must wait: a JSON 429 with a stable code and Retry-After
    assert [a.status_code for a in answers] == [400] * 3 + [429] * 27
    assert answers[3].json()["error"]["code"] == "login_locked" and answers[3].headers["Retry-After"] == "1"
    # and the right password is not even checked while the login waits
    assert _sign_in(anon, member.email, PASSWORD, "10.9.99.1").status_code == 429


def test_backoff_doubles_then_the_login_is_locked_for_the_configured_time(member, clock):
    # given three failures, which cost nothing
    assert [_outcome(member.email, "wrong") for _ in range(3)] == ["invalid_credentials"] * 3
    # then each further attempt waits twice as long as the one before
    waits = []
    for _ in range(7):
        refused = _outcome(member.email, "wrong")
        waits.append(refused[1])
        clock.now += refused[1]
        assert _outcome(member.email, "wrong") == "invalid_credentials"
    assert waits == [1, 2, 4, 8, 16, 32, 64]
    # when the tenth failure is followed by another attempt, the login is locked for 15 minutes
    clock.now += 128
    assert _outcome(member.email, PASSWORD) == ("login_locked", 900)
    clock.now += 899
    assert _outcome(member.email, PASSWORD) == ("login_locked", 1)
    # and once the lock is over the member signs in again
    clock.now += 1
    assert _outcome(member.email, PASSWORD) == "signed_in"


def test_a_successful_sign_in_forgets_earlier_failures(member, clock):
    assert [_outcome(member.email, "wrong") for _ in range(2)] == ["invalid_credentials"] * 2
    assert _outcome(member.email, PASSWORD) == "signed_in"
    assert [_outcome(member.email, "wrong") for _ in range(3)] == ["invalid_credentials"] * 3


def test_logins_are_counted_apart_and_by_their_normal_form(clock):
    # given a member whose email is written in two ways, and another member
    first, second = MemberWithUserFactory(email="anna@example.com"), MemberWithUserFactory()
    assert [_outcome(login, "wrong") for login in ("anna@example.com", "ANNA@example.com", " Anna@Example.com")] \
        == ["invalid_credentials"] * 3
    # then the fourth attempt on that login waits, whatever its spelling; the other login is free
    assert _outcome("anna@EXAMPLE.com", PASSWORD)[0] == "login_locked"
    assert _outcome(second.email, PASSWORD) == "signed_in"
    assert first.pk != second.pk


def test_unknown_logins_are_limited_exactly_like_known_ones(member, clock):
    known = [_outcome(member.email, "wrong") for _ in range(5)]
    unknown = [_outcome("nobody@example.com", "wrong") for _ in range(5)]
    assert known == unknown == ["invalid_credentials"] * 3 + [("login_locked", 1)] * 2


def test_wrong_codes_count_as_failed_sign_ins_of_the_login(anon, member, clock):
    # given a login with three wrong codes typed in
    for _ in range(3):
        assert anon.post("/api/v1/auth/code/verify", {"login": member.email, "code": "000000"},
                         format="json").status_code == 400
    # then a password attempt on it waits as well
    assert _outcome(member.email, PASSWORD)[0] == "login_locked"


def test_codes_are_sent_to_a_login_a_few_times_then_it_waits(anon, member, sent, clock):
    # when twelve addresses ask for a code for the same phone
    answers = [anon.post("/api/v1/auth/code", {"login": member.phone}, format="json", REMOTE_ADDR=f"10.8.{n}.1")
               for n in range(12)]
    # then three codes go out and the rest are refused with a stable code and Retry-After
    assert [a.status_code for a in answers] == [202] * 3 + [429] * 9
    assert answers[3].json()["error"]["code"] == "too_many_code_requests"
    assert answers[3].headers["Retry-After"] == "30"
    assert len(sent()) == 3
    # and a password reset for that login counts with them (it is a message to the same phone)
    reset = anon.post("/api/v1/auth/password-reset", {"login": member.phone}, format="json", REMOTE_ADDR="10.8.50.1")
    assert reset.status_code == 429 and len(sent()) == 3


def test_code_requests_for_an_unknown_login_are_refused_the_same_way(anon, member, clock):
    def statuses(login):
        return [anon.post("/api/v1/auth/code", {"login": login}, format="json", REMOTE_ADDR=f"10.7.{n}.1").status_code
                for n in range(5)]

    assert statuses(member.email) == statuses("nobody@example.com") == [202] * 3 + [429] * 2


def _parallel_admitted():
    # forty guesses on one login arrive at the same moment
    outcomes = run_at_once(40, lambda _: login_limits.login_attempt_admit(purpose="sign_in", login_key="email:x@y.z",
                                                                          now=5000.0))
    assert errors_of(outcomes, TooManyAttempts) == []
    return outcomes.count(None)


def test_parallel_guesses_on_one_login_are_admitted_only_up_to_the_free_attempts():
    # then at most the three free ones are checked (none slips in before a failure is counted); fewer is right
    # too, since a burst of forty counts past the lock before the refused ones are taken back
    assert _parallel_admitted() <= 3


def test_parallel_guesses_are_counted_exactly_on_redis():
    # The production cache: a real Redis (the test broker's server), where add and incr are atomic across workers.
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://...")
    redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.CELERY_BROKER_URL,
                   "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    with override_settings(CACHES={"default": redis_cache}):
        assert caches["default"].__class__.__name__ == "RedisCache"
        assert _parallel_admitted() <= 3


def test_the_web_sign_in_shows_the_lock_in_russian_with_429(client, member, clock):
    for _ in range(3):
        client.post("/sign-in/", {"login": member.email, "password": "wrong"}, REMOTE_ADDR="10.6.0.1")
    response = client.post("/sign-in/", {"login": member.email, "password": PASSWORD}, REMOTE_ADDR="10.6.0.2")
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert "Слишком много неудачных попыток входа для этого логина" in response.content.decode()
    assert "_auth_user_id" not in client.session


# Timing: the password hasher runs once on every path, so an unknown login is not answered faster.
@pytest.mark.parametrize("case", ["known login, wrong password", "unknown login", "member without a user",
                                  "inactive user"])
def test_sign_in_hashes_once_whether_or_not_the_login_exists(monkeypatch, case, clock):
    # given
    member = MemberWithUserFactory(email="known@example.com")
    if case == "member without a user":
        MemberFactory(email="imported@example.com")
    if case == "inactive user":
        member.user.is_active = False
        member.user.save(update_fields=["is_active"])
    login = {"unknown login": "nobody@example.com", "member without a user": "imported@example.com"}.get(
        case, "known@example.com")
    password = PASSWORD if case == "inactive user" else "wrong-password"
    calls = []
    original = MD5PasswordHasher.encode
    monkeypatch.setattr(MD5PasswordHasher, "encode", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    # when
    outcome = _outcome(login, password)
    # then the same refusal and the same hashing work
    assert outcome == "invalid_credentials"
    assert len(calls) == 1
