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
    settings.CAMPAIGNS_OUTBOX_KICK = False
    simple.outbox.clear()
    yield simple.outbox
    simple.outbox.clear()
