"""core.reused_serializers: one serializer per process gives what a serializer per request gives, errors included."""
import threading

import pytest
from django.conf import settings as django_settings
from rest_framework import serializers

from core.reused_serializers import ReusedSerializer
from core.serializers import StrictSerializer


class LineInput(StrictSerializer):
    sku = serializers.CharField(max_length=8)
    quantity = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, default=1)


class BasketInput(StrictSerializer):
    name = serializers.CharField(max_length=10)
    note = serializers.CharField(required=False, allow_blank=True)
    lines = LineInput(many=True, default=list)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.per_request()

    def per_request(self):
        self.fields["lines"].max_length = django_settings.API_MAX_ORDER_LINES


def drf(body):
    serializer = BasketInput(data=body)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@pytest.mark.parametrize("body", [
    {"name": " Ann "},
    {"name": "Ann", "note": "", "lines": [{"sku": "A", "quantity": "2.5"}, {"sku": "B"}]},
])
def test_valid_bodies_give_the_validated_data_of_a_new_serializer(body):
    assert ReusedSerializer(BasketInput).validated(body) == drf(body)


@pytest.mark.parametrize("body", [
    {}, [], "text", {"name": None}, {"name": "x" * 11}, {"name": "Ann", "extra": 1}, {"name": 5},
    {"name": "Ann", "lines": [{"sku": "A", "quantity": "-1"}]}, {"name": "Ann", "lines": {"sku": "A"}},
    {"name": "Ann", "lines": [{"sku": "A", "price": "1"}]}, {"name": "Ann", "lines": [None]},
])
def test_a_refused_body_raises_the_error_of_a_new_serializer(body):
    # given a body the serializer refuses
    with pytest.raises(serializers.ValidationError) as expected:
        drf(body)
    # when the reused serializer validates it, then it raises the same error, detail for detail
    with pytest.raises(serializers.ValidationError) as raised:
        ReusedSerializer(BasketInput).validated(body)
    assert raised.value.detail == expected.value.detail


def test_per_request_limits_follow_the_settings(settings):
    # given a reused serializer that has served a request under the default limit
    reused = ReusedSerializer(BasketInput)
    assert reused.validated({"name": "Ann", "lines": [{"sku": "A"}, {"sku": "B"}]})
    # when the limit falls below the lines given, then the next request is refused
    settings.API_MAX_ORDER_LINES = 1
    with pytest.raises(serializers.ValidationError) as raised:
        reused.validated({"name": "Ann", "lines": [{"sku": "A"}, {"sku": "B"}]})
    assert "lines" in raised.value.detail


def test_output_is_the_data_of_a_new_serializer():
    class Output(serializers.Serializer):
        name = serializers.CharField()
        total = serializers.DecimalField(max_digits=6, decimal_places=2)
        size = serializers.SerializerMethodField()

        def get_size(self, value) -> int:
            return len(value["name"])

    value = {"name": "Ann", "total": "3.5"}
    assert ReusedSerializer(Output).data(value) == dict(Output(value).data) == {"name": "Ann", "total": "3.50", "size": 3}


def test_threads_share_one_serializer_and_each_gets_its_own_data():
    # given one reused serializer and bodies that differ per thread
    reused, results, errors = ReusedSerializer(BasketInput), {}, []

    def validate(number):
        try:
            for _ in range(200):
                body = {"name": f"n{number}", "lines": [{"sku": f"S{number}", "quantity": str(number)}]}
                results[number] = reused.validated(body)
                assert results[number]["lines"][0]["sku"] == f"S{number}"
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=validate, args=(number,)) for number in range(1, 7)]
    # when they validate at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then each thread got its own body's data
    assert not errors
    assert {number: result["name"] for number, result in results.items()} == {n: f"n{n}" for n in range(1, 7)}
