import pytest

from campaigns.channels import simple


@pytest.fixture(autouse=True)
def locmem_channels(settings):
    """Every channel goes to memory: email to django.core.mail.outbox, SMS and push to simple.outbox."""
    settings.CAMPAIGNS_CHANNEL_BACKENDS = {
        **settings.CAMPAIGNS_CHANNEL_BACKENDS,
        "sms": "campaigns.channels.simple.LocmemChannel",
        "push": "campaigns.channels.simple.LocmemChannel",
    }
    simple.outbox.clear()
    yield simple.outbox
    simple.outbox.clear()


@pytest.fixture
def send_rules(db):
    """Permissive send rules (any hour, no quiet hours, high caps); tests of a rule tighten one of them."""
    from campaigns.models import CampaignSettings

    CampaignSettings.objects.all().delete()
    return CampaignSettings.objects.create(max_per_day=100, max_per_week=100, quiet_hours_start=0, quiet_hours_end=0,
                                           default_send_hour=0, channel_order="email,push,sms")


@pytest.fixture(autouse=True)
def _permissive_send_rules(request):
    if "django_db" in request.keywords or "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        request.getfixturevalue("send_rules")
