import logging

import pytest

from core.request_id import HEADER, RequestIdLogFilter, bind_request_id, current_request_id


@pytest.mark.django_db
def test_each_response_carries_a_new_request_id(client):
    # given / when
    first = client.get("/health/")
    second = client.get("/health/")

    # then
    assert len(first[HEADER]) == 32
    assert first[HEADER] != second[HEADER]


@pytest.mark.django_db
def test_a_plain_client_request_id_is_kept_and_a_hostile_one_replaced(client):
    # given / when
    kept = client.get("/health/", HTTP_X_REQUEST_ID="pos-42.abcdef")
    replaced = client.get("/health/", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")

    # then
    assert kept[HEADER] == "pos-42.abcdef"
    assert "\n" not in replaced[HEADER] and replaced[HEADER] != "x\r\nSet-Cookie: a=b"


def test_log_records_carry_the_bound_id_and_a_dash_outside():
    # given
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "m", None, None)
    log_filter = RequestIdLogFilter()

    # when / then
    with bind_request_id("task-run-1"):
        log_filter.filter(record)
        assert record.request_id == "task-run-1" == current_request_id()
    log_filter.filter(record)
    assert record.request_id == "-"
    assert current_request_id() is None


@pytest.mark.django_db
def test_djangos_log_line_of_an_error_response_carries_the_requests_id(client, caplog):
    # given / when a response of 405, which Django logs after the middleware has returned
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.post("/health/", HTTP_X_REQUEST_ID="pos-405-abcdef")

    # then its log line has the request's id
    [record] = [r for r in caplog.records if r.name == "django.request"]
    RequestIdLogFilter().filter(record)
    assert response.status_code == 405 and record.request_id == "pos-405-abcdef"
