import pytest

from messaging.http import http_client_reset
from messaging.sms import sms_gateway_reset

from .fake_providers import SMSRU_API_ID, TWILIO_SID, TWILIO_TOKEN, FakeProviders


@pytest.fixture
def fake_providers(settings):
    """Fake SMS.ru and Twilio on 127.0.0.1, the settings pointing at them, fast backoff."""
    fake = FakeProviders().start()
    settings.SMSRU_API_URL = settings.TWILIO_API_URL = fake.url
    settings.SMSRU_API_ID, settings.SMSRU_CALLBACK_SECRET = SMSRU_API_ID, "cb-secret"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = TWILIO_SID, TWILIO_TOKEN
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.MESSAGING_SMS_SENDER = "Shop"
    settings.PUBLIC_BASE_URL = "https://shop.example.com"
    settings.MESSAGING_HTTP_BACKOFF, settings.MESSAGING_HTTP_RETRIES = 0.01, 2
    http_client_reset()
    sms_gateway_reset()
    yield fake
    http_client_reset()
    fake.stop()


@pytest.fixture
def fake_esp(settings):
    """Fake Unisender Go and Mailgun on 127.0.0.1; `use(name)` points the mail back end at one of them."""
    from .fake_esp import MAILGUN_DOMAIN, MAILGUN_KEY, UNISENDER_KEY, FakeEsp

    fake = FakeEsp().start()

    def use(provider):
        if provider == "unisender_go":
            settings.EMAIL_BACKEND = "anymail.backends.unisender_go.EmailBackend"
            settings.ANYMAIL = {"UNISENDER_GO_API_KEY": UNISENDER_KEY, "UNISENDER_GO_API_URL": fake.url + "/"}
        else:
            settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
            settings.ANYMAIL = {"MAILGUN_API_KEY": MAILGUN_KEY, "MAILGUN_SENDER_DOMAIN": MAILGUN_DOMAIN,
                                "MAILGUN_API_URL": fake.url + "/v3", "MAILGUN_WEBHOOK_SIGNING_KEY": "mg-signing-key"}
        return fake

    fake.use = use
    yield fake
    fake.stop()
