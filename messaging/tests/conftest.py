import json
from types import SimpleNamespace

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
            settings.EMAIL_BACKEND = "messaging.email.unisender_go.EmailBackend"
            settings.ANYMAIL = {"UNISENDER_GO_API_KEY": UNISENDER_KEY, "UNISENDER_GO_API_URL": fake.url + "/"}
        else:
            settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
            settings.ANYMAIL = {"MAILGUN_API_KEY": MAILGUN_KEY, "MAILGUN_SENDER_DOMAIN": MAILGUN_DOMAIN,
                                "MAILGUN_API_URL": fake.url + "/v3", "MAILGUN_WEBHOOK_SIGNING_KEY": "mg-signing-key"}
        return fake

    fake.use = use
    yield fake
    fake.stop()


@pytest.fixture
def fake_push(settings):
    """Fake FCM and APNs on 127.0.0.1, Android and web devices on FCM, iOS on APNs, fast backoff."""
    from messaging.push import push_provider_reset

    from .fake_push import APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC, FakeApns, FakeFcm

    fcm, apns = FakeFcm().start(), FakeApns().start()
    settings.MESSAGING_PUSH_PROVIDERS = {"android": "fcm", "web": "fcm", "ios": "apns"}
    settings.FCM_CREDENTIALS, settings.FCM_PROJECT_ID = json.dumps(fcm.service_account()), ""
    settings.FCM_API_URL = fcm.url
    settings.APNS_KEY, settings.APNS_KEY_ID, settings.APNS_TEAM_ID = apns.signing_key, APNS_KEY_ID, APNS_TEAM_ID
    settings.APNS_TOPIC, settings.APNS_API_URL = APNS_TOPIC, apns.url
    settings.MESSAGING_HTTP_BACKOFF, settings.MESSAGING_HTTP_RETRIES = 0.01, 1
    http_client_reset()
    push_provider_reset()
    yield SimpleNamespace(fcm=fcm, apns=apns)
    push_provider_reset()
    http_client_reset()
    fcm.stop()
    apns.stop()
