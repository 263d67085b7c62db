"""Schemathesis over our own OpenAPI schema, in-process through the WSGI app, with all its checks.

Each API's fuzz test (`<app>/tests/test_api_fuzz.py`) loads its part of the schema with `api_schema`, uses
`fuzz_settings` (bounded, derandomized: the same examples every run) and the `keep_test_connection`
fixture, and calls `case.call_and_validate(headers=...)`, which runs every check schemathesis has,
on positive (schema-valid) and negative (schema-invalid) examples alike.
"""
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Examples per operation and generation mode; the three APIs together stay within ~3 minutes per database.
MAX_EXAMPLES = 8

fuzz_settings = hypothesis_settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def api_schema(path_regex: str, *, business_rules: dict[str, str] | None = None):
    """The operations of `/api/schema/` whose path matches, loaded eagerly at collection time.

    (schemathesis' lazy fixture loader does not support this pytest.) `business_rules` names, per path, the
    rules a schema cannot state (across fields, or over stored rows): there `positive_data_acceptance`
    also accepts the 400 such a rule answers. Every other check, and every other operation, is unchanged.
    """
    from config.wsgi import application

    accepted = [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, "400"]
    config = SchemathesisConfig.from_dict({"operations": [
        {"include-path": path, "checks": {"positive_data_acceptance": {"expected-statuses": accepted}}}
        for path in (business_rules or {})
    ]})
    # With per-operation config entries, schemathesis selects the configured operations on top of `include`, which
    # ran every fuzz test over the whole API: the exclusion keeps each test to its own paths.
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=config).include(
        path_regex=path_regex
    ).exclude(path_regex=f"^(?!{path_regex.removeprefix('^')})")


def known(case, **values):
    """Point a schema-valid example's body at rows that exist (a member id), so that it reaches the service.

    Negative examples are left alone: what they break must stay broken.
    """
    if case.meta is not None and case.meta.generation.mode.is_positive and isinstance(case.body, dict):
        case.body.update({key: value for key, value in values.items() if isinstance(case.body.get(key), str)})


@pytest.fixture
def keep_test_connection():
    """Requests through the raw WSGI app would close the connection holding the test's transaction, as
    Django's own test client avoids by the same disconnection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
