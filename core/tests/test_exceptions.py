from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from core.exceptions import DomainError, api_exception_handler


def test_domain_error_becomes_json_with_code_and_fields():
    response = api_exception_handler(
        DomainError("Not enough points.", code="insufficient_points", fields={"amount": ["Too large."]}), {}
    )
    assert response.status_code == 400
    assert response.data == {
        "error": {"code": "insufficient_points", "message": "Not enough points.", "fields": {"amount": ["Too large."]}}
    }


def test_serializer_errors_keep_field_level_messages():
    class Input(serializers.Serializer):
        amount = serializers.IntegerField(min_value=1)

    serializer = Input(data={"amount": 0})
    assert not serializer.is_valid()
    response = api_exception_handler(serializers.ValidationError(serializer.errors), {"request": APIRequestFactory().get("/")})
    assert response.status_code == 400
    assert response.data["error"]["code"] == "invalid"
    assert list(response.data["error"]["fields"]) == ["amount"]
