import pytest

pytestmark = pytest.mark.django_db


def test_health_answers_ok_after_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_refuses_writes(client):
    assert client.post("/health/").status_code == 405
