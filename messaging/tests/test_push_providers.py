"""FCM HTTP v1 and APNs adapters against local fakes speaking the providers' documented formats."""
import jwt
import pytest

from messaging.push import InvalidPushToken, PermanentPushError, PushNotification, TemporaryPushError, push_provider

from .fake_push import APNS_TOPIC, PROJECT_ID, fcm_error

NOTE = PushNotification(title="Скидка 15%", body="Только до воскресенья", ref="outbox-7", link="https://shop.example.com/s")


def test_fcm_asks_for_one_oauth_token_by_signed_jwt_and_reuses_it_for_many_sends(fake_push):
    # when ten notifications go to Android devices
    fcm = push_provider("android")
    names = [fcm.send(token=f"fcm-token-{n}", notification=NOTE) for n in range(10)]
    # then one token exchange (a JWT grant the fake verified with the account's public key) served them all
    assert fake_push.fcm.oauth_calls == 1
    grant = fake_push.fcm.requests[0]
    claims = jwt.decode(grant["form"]["assertion"], options={"verify_signature": False})
    assert claims["aud"] == f"{fake_push.fcm.url}/token" and claims["exp"] - claims["iat"] == 3600
    # and each send is the documented v1 message with the bearer token, answered with the message name
    assert names[0] == f"projects/{PROJECT_ID}/messages/1" and len(set(names)) == 10
    send = fake_push.fcm.requests[1]
    assert send["path"] == f"/v1/projects/{PROJECT_ID}/messages:send"
    assert send["headers"]["Authorization"].startswith("Bearer ya29.fake-")
    assert send["json"]["message"] == {
        "token": "fcm-token-0", "notification": {"title": "Скидка 15%", "body": "Только до воскресенья"},
        "data": {"ref": "outbox-7", "link": "https://shop.example.com/s"},
        "android": {"collapse_key": "outbox-7"}, "apns": {"headers": {"apns-collapse-id": "outbox-7"}},
        "webpush": {"fcm_options": {"link": "https://shop.example.com/s"}}}


def test_fcm_token_is_renewed_shortly_before_it_expires(fake_push, settings):
    # given an access token that lives less than the five minutes' margin
    fake_push.fcm.token_lifetime = 200
    fcm = push_provider("android")
    # when two notifications are sent / then each needed a fresh token
    fcm.send(token="fcm-a", notification=NOTE)
    fcm.send(token="fcm-b", notification=NOTE)
    assert fake_push.fcm.oauth_calls == 2


def test_fcm_token_refused_early_is_renewed_once_and_the_send_goes_through(fake_push):
    fcm = push_provider("android")
    fcm.send(token="fcm-a", notification=NOTE)
    # given the provider forgets the token (revoked)
    fake_push.fcm.access_tokens.clear()
    # when sending again / then one new grant and the message is sent
    assert fcm.send(token="fcm-b", notification=NOTE).startswith("projects/")
    assert fake_push.fcm.oauth_calls == 2


@pytest.mark.parametrize("token, error", [("unregistered-1", "fcm 404 UNREGISTERED"),
                                          ("invalid-1", "fcm 400 INVALID_ARGUMENT")])
def test_fcm_dead_tokens_are_invalid(fake_push, token, error):
    with pytest.raises(InvalidPushToken, match=error):
        push_provider("android").send(token=token, notification=NOTE)


@pytest.mark.parametrize("status, code, error_code", [(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"),
                                                      (503, "UNAVAILABLE", "UNAVAILABLE"),
                                                      (500, "INTERNAL", "INTERNAL")])
def test_fcm_quota_and_outages_are_temporary_with_the_providers_reason(fake_push, status, code, error_code):
    # given FCM answering not-now on every try (the in-place retries included)
    fake_push.fcm.script += [(status, fcm_error(status, code, error_code, "later"))] * 3
    with pytest.raises(TemporaryPushError, match=f"fcm {status} {error_code}: later"):
        push_provider("android").send(token="fcm-a", notification=NOTE)


def test_fcm_other_refusals_are_permanent_and_not_a_dead_token(fake_push):
    # given a message FCM refuses for its content (a field violation, not the token)
    with pytest.raises(PermanentPushError, match="fcm 400 INVALID_ARGUMENT") as refused:
        push_provider("android").send(token="fcm-a", notification=PushNotification(title="", body="x", ref="r"))
    assert not isinstance(refused.value, InvalidPushToken)
    # and a token of another sender
    fake_push.fcm.script.append((403, fcm_error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "mismatch")))
    with pytest.raises(PermanentPushError, match="SENDER_ID_MISMATCH"):
        push_provider("android").send(token="fcm-a", notification=NOTE)


def test_apns_sends_over_http2_with_the_documented_headers_and_one_provider_token(fake_push):
    # when three notifications go to iOS devices
    apns = push_provider("ios")
    ids = [apns.send(token=f"apns-{n}", notification=NOTE) for n in range(3)]
    # then they went as HTTP/2 streams on one connection, signed by one ES256 provider token the fake verified
    assert fake_push.apns.connections == 1 and len(fake_push.apns.provider_tokens) == 1
    request = fake_push.apns.requests[0]
    assert request["path"] == "/3/device/apns-0"
    headers = request["headers"]
    assert (headers["apns-topic"], headers["apns-push-type"], headers["apns-priority"]) == (APNS_TOPIC, "alert", "10")
    assert headers["apns-collapse-id"] == "outbox-7" and ids[0] == headers["apns-id"]
    assert request["json"] == {"aps": {"alert": {"title": "Скидка 15%", "body": "Только до воскресенья"},
                                       "sound": "default"}, "ref": "outbox-7", "link": "https://shop.example.com/s"}


def test_apns_provider_token_expired_early_is_renewed_and_the_send_goes_through(fake_push):
    apns = push_provider("ios")
    apns.send(token="apns-1", notification=NOTE)
    # given APNs calling the current provider token expired
    fake_push.apns.expired_tokens |= fake_push.apns.provider_tokens
    # when sending again / then a new token was signed and the notification went
    assert apns.send(token="apns-2", notification=NOTE)
    assert len(fake_push.apns.provider_tokens) == 2


@pytest.mark.parametrize("token, error", [("unregistered-1", "apns 410 Unregistered"),
                                          ("bad-1", "apns 400 BadDeviceToken")])
def test_apns_dead_tokens_are_invalid(fake_push, token, error):
    with pytest.raises(InvalidPushToken, match=error):
        push_provider("ios").send(token=token, notification=NOTE)


@pytest.mark.parametrize("status, reason", [(429, "TooManyRequests"), (503, "ServiceUnavailable"),
                                            (500, "InternalServerError")])
def test_apns_rate_limit_and_outages_are_temporary(fake_push, status, reason):
    fake_push.apns.script += [(status, {"reason": reason})] * 3
    with pytest.raises(TemporaryPushError, match=f"apns {status} {reason}"):
        push_provider("ios").send(token="apns-1", notification=NOTE)


def test_apns_other_refusals_are_permanent(fake_push, settings):
    settings.APNS_TOPIC = "ru.other.app"
    with pytest.raises(PermanentPushError, match="apns 400 TopicDisallowed") as refused:
        push_provider("ios").send(token="apns-1", notification=NOTE)
    assert not isinstance(refused.value, InvalidPushToken)
