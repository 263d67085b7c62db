"""Each SMS gateway against a local fake speaking the provider's documented formats."""
import pytest

from messaging.sms import PermanentSmsError, TemporarySmsError, sms_gateway

from .fake_providers import SMSRU_API_ID, TWILIO_SID


def test_smsru_sends_the_documented_form_and_returns_the_sms_id(fake_providers):
    # given SMS.ru configured with a sender name
    # when a message is sent to a +7 number
    sms_id = sms_gateway("smsru").send(to="+79251234567", text="Скидка 15%", idempotency_key="outbox-1")
    # then the API got api_id, the number without +, the text, the sender and json=1, and its sms_id comes back
    [request] = fake_providers.requests
    assert request["path"] == "/sms/send"
    assert request["form"] == {"api_id": SMSRU_API_ID, "to": "79251234567", "msg": "Скидка 15%", "from": "Shop",
                               "json": "1"}
    assert sms_id == "000000-10000001"


def test_smsru_refusal_of_the_number_is_permanent_with_the_providers_reason(fake_providers):
    # given a number SMS.ru refuses (202) / when sent / then a permanent error carries its code and text
    with pytest.raises(PermanentSmsError, match="sms.ru 202: Неправильно указан номер"):
        sms_gateway("smsru").send(to="+7925", text="x", idempotency_key="outbox-1")


@pytest.mark.parametrize("code", [220, 201, 231, 200])
def test_smsru_outage_balance_limits_and_credentials_are_temporary(fake_providers, code):
    # given SMS.ru answering a not-now refusal
    fake_providers.script.append((200, {"status": "ERROR", "status_code": code, "status_text": "later"}, {}))
    # when sent / then it is temporary (the outbox retries), with the code
    with pytest.raises(TemporarySmsError, match=f"sms.ru {code}"):
        sms_gateway("smsru").send(to="+79251234567", text="x", idempotency_key="outbox-1")


def test_twilio_sends_with_basic_auth_sender_and_a_status_callback_carrying_the_outbox_key(fake_providers):
    # when a message is sent through Twilio
    sid = sms_gateway("twilio").send(to="+447700900123", text="Hi", idempotency_key="outbox-42")
    # then the Messages resource got To, From, Body and the StatusCallback with our key, and the SID comes back
    [request] = fake_providers.requests
    assert request["path"] == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert request["form"] == {"To": "+447700900123", "Body": "Hi", "From": "Shop",
                               "StatusCallback": "https://shop.example.com/hooks/sms/twilio/status/?ref=outbox-42"}
    assert sid.startswith("SM") and len(sid) == 34


def test_twilio_invalid_number_is_permanent_with_the_error_code(fake_providers):
    with pytest.raises(PermanentSmsError, match="twilio 21211: The 'To' number 447 is not a valid phone number"):
        sms_gateway("twilio").send(to="447", text="Hi", idempotency_key="outbox-1")


def test_twilio_wrong_credentials_are_temporary_until_fixed(fake_providers, settings):
    settings.TWILIO_AUTH_TOKEN = "wrong"
    with pytest.raises(TemporarySmsError, match="twilio 20003"):
        sms_gateway("twilio").send(to="+447700900123", text="Hi", idempotency_key="outbox-1")


def test_rate_limit_is_retried_with_backoff_and_then_succeeds(fake_providers):
    # given Twilio answering 429 (its code 20429) twice
    too_many = (429, {"code": 20429, "message": "Too Many Requests", "status": 429}, {"Retry-After": "0"})
    fake_providers.script += [too_many, too_many]
    # when a message is sent / then the third attempt goes through
    assert sms_gateway("twilio").send(to="+447700900123", text="Hi", idempotency_key="outbox-1").startswith("SM")
    assert len(fake_providers.requests) == 3


def test_a_rate_limit_that_lasts_is_temporary_after_the_retries(fake_providers):
    too_many = (429, {"code": 20429, "message": "Too Many Requests", "status": 429}, {})
    fake_providers.script += [too_many] * 3
    with pytest.raises(TemporarySmsError, match="twilio 20429: Too Many Requests"):
        sms_gateway("twilio").send(to="+447700900123", text="Hi", idempotency_key="outbox-1")
    assert len(fake_providers.requests) == 3  # one try and MESSAGING_HTTP_RETRIES retries


def test_a_500_is_not_repeated_in_place_since_the_provider_may_have_sent_it(fake_providers):
    fake_providers.script.append((500, {"code": 20500, "message": "Internal Server Error", "status": 500}, {}))
    with pytest.raises(TemporarySmsError):
        sms_gateway("twilio").send(to="+447700900123", text="Hi", idempotency_key="outbox-1")
    assert len(fake_providers.requests) == 1


def test_an_unreachable_provider_is_temporary(fake_providers, settings):
    # given a port nobody listens on
    fake_providers.stop()
    # when sent / then temporary, after the retries
    with pytest.raises(TemporarySmsError, match="unreachable"):
        sms_gateway("smsru").send(to="+79251234567", text="x", idempotency_key="outbox-1")


def test_one_pooled_connection_carries_many_sends(fake_providers):
    # when five messages go out
    for n in range(5):
        sms_gateway("smsru").send(to=f"+7925123456{n}", text="x", idempotency_key=f"outbox-{n}")
    # then they all went over one reused connection
    assert len(fake_providers.requests) == 5 and len(fake_providers.connections) == 1
