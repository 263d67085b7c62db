"""Fuzz the members' API against its own OpenAPI schema: no 5xx, every response as documented."""
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from customers.models import Member
from portal.services import member_token_create

from .factories import MemberWithUserFactory

@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():
    # Requests through the raw WSGI app would close the connection holding the test's transaction,
    # as Django's own test client avoids by the same disconnection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


from config.wsgi import application  # noqa: E402

# Loaded eagerly at collection (schemathesis' lazy fixture loader does not support this pytest).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application).include(
    path_regex=r"^/api/v1/(me|auth)\b"
)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_members_api_conforms_to_its_schema(case):
    # given a signed-in member (a fresh token per example: one example may sign out)
    member = Member.objects.filter(user__username="fuzz-member").first() or MemberWithUserFactory(
        user__username="fuzz-member")
    _token, raw = member_token_create(member=member, client="schemathesis")
    # when / then
    case.call_and_validate(headers={"Authorization": f"Bearer {raw}"}, checks=CHECKS)
