"""core.serializers.ModelFieldsOnceMixin: a ModelSerializer's fields built from the model once, copied after."""
import pytest
from rest_framework import serializers

from core.serializers import ModelFieldsOnceMixin
from customers.models import Member
from customers.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_fields_are_built_once_and_each_instance_gets_its_own_copies(monkeypatch):
    # given a model serializer with the mixin, and a count of DRF's builds
    class MemberOut(ModelFieldsOnceMixin, serializers.ModelSerializer):
        class Meta:
            model = Member
            fields = ["external_id", "email", "first_name"]

    class Plain(serializers.ModelSerializer):
        class Meta:
            model = Member
            fields = ["external_id", "email", "first_name"]

    builds = []
    original = serializers.ModelSerializer.get_fields
    monkeypatch.setattr(serializers.ModelSerializer, "get_fields", lambda self: builds.append(1) or original(self))
    member = MemberFactory(external_id="C-9", email="a@example.com", first_name="Анна")
    # when two serialize
    first, second = MemberOut(member), MemberOut(member)
    data = first.data, second.data
    # then the model was read for fields once, the output is DRF's own, and no field object is shared
    assert len(builds) == 1
    assert data[0] == data[1] == Plain(member).data
    assert all(first.fields[name] is not second.fields[name] for name in first.fields)
    assert first.fields["external_id"].parent is first and second.fields["external_id"].parent is second
