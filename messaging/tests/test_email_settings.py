"""The mail provider chosen by the environment: Unisender Go and Mailgun with their webhook keys."""
from core.testing.settings_loader import documented, load_settings


def test_unisender_go_is_chosen_by_the_environment_with_its_key_url_and_webhook_secrets():
    # given production's environment naming Unisender Go, its key and data centre, and two webhook secrets
    production = load_settings("production", documented(
        EMAIL_URL=None, ANYMAIL_PROVIDER="unisender_go", UNISENDER_GO_API_KEY="key-1",
        UNISENDER_GO_API_URL="https://go2.unisender.ru/ru/transactional/api/v1/",
        ANYMAIL_WEBHOOK_SECRET="hook:old,hook:new"))
    # then Anymail's Unisender Go back end (ours passes the idempotence key) is used with them
    assert production.EMAIL_BACKEND == "messaging.email.unisender_go.EmailBackend"
    assert production.ANYMAIL == {"UNISENDER_GO_API_KEY": "key-1",
                                  "UNISENDER_GO_API_URL": "https://go2.unisender.ru/ru/transactional/api/v1/",
                                  "WEBHOOK_SECRET": ["hook:old", "hook:new"]}


def test_mailgun_takes_its_webhook_signing_key_from_the_environment():
    production = load_settings("production", documented(
        EMAIL_URL=None, ANYMAIL_PROVIDER="mailgun", MAILGUN_API_KEY="key-2", MAILGUN_SENDER_DOMAIN="mg.shop.ru",
        MAILGUN_WEBHOOK_SIGNING_KEY="signing-3"))
    assert production.EMAIL_BACKEND == "anymail.backends.mailgun.EmailBackend"
    assert production.ANYMAIL == {"MAILGUN_API_KEY": "key-2", "MAILGUN_SENDER_DOMAIN": "mg.shop.ru",
                                  "MAILGUN_WEBHOOK_SIGNING_KEY": "signing-3"}
