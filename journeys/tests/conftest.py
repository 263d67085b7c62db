from campaigns.tests.conftest import _permissive_send_rules, locmem_channels, send_rules  # noqa: F401
