import pytest

from core.exceptions import DomainError
from customers.models import ConsentRecord, Member
from customers.services import attributes_clean, consent_set, member_attributes_update
from customers.tests.factories import AttributeDefinitionFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def definitions():
    return {
        "has_children": AttributeDefinitionFactory(key="has_children", type="bool"),
        "pets": AttributeDefinitionFactory(key="pets", type="choice", choices=["cat", "dog", "fish"], multiple=True),
        "clothing_size": AttributeDefinitionFactory(key="clothing_size", type="choice", choices=["S", "M", "L"]),
        "favourite_store": AttributeDefinitionFactory(key="favourite_store", type="text"),
        "kids_count": AttributeDefinitionFactory(key="kids_count", type="int", member_editable=False),
    }


def test_attribute_values_are_converted_to_their_types(definitions):
    cleaned = attributes_clean(
        {"has_children": "да", "pets": "dog|cat", "clothing_size": "M", "favourite_store": " Arbat ", "kids_count": "2"}
    )
    assert cleaned == {
        "has_children": True,
        "pets": ["cat", "dog"],
        "clothing_size": "M",
        "favourite_store": "Arbat",
        "kids_count": 2,
    }


def test_bad_attribute_values_are_reported_per_key(definitions):
    with pytest.raises(DomainError) as error:
        attributes_clean({"pets": ["dog", "parrot"], "clothing_size": "XXL", "kids_count": "1.5", "shoe": "42"})
    errors = error.value.fields["attributes"]
    assert set(errors) == {"pets", "clothing_size", "kids_count", "shoe"}
    assert "parrot" in errors["pets"][0]
    assert errors["shoe"] == ["Unknown attribute."]


def test_member_editable_only_rejects_staff_only_attributes(definitions):
    with pytest.raises(DomainError) as error:
        attributes_clean({"kids_count": 2}, member_editable_only=True)
    assert "kids_count" in error.value.fields["attributes"]


def test_attribute_update_merges_and_none_removes(definitions):
    member = MemberFactory(attributes={"favourite_store": "Tverskaya", "has_children": True})
    member_attributes_update(member=member, values={"has_children": None, "pets": ["cat"]})
    member.refresh_from_db()
    assert member.attributes == {"favourite_store": "Tverskaya", "pets": ["cat"]}


def test_consent_change_updates_flag_and_keeps_proof():
    # given
    member = MemberFactory(email_consent=False)
    # when
    consent_set(member=member, purpose="email", granted=True, method="checkbox", source="web", evidence="ip=10.0.0.1")
    consent_set(member=member, purpose="email", granted=False, method="unsubscribe_link", source="email")
    # then
    member.refresh_from_db()
    assert member.email_consent is False
    history = list(ConsentRecord.objects.filter(member=member).order_by("id").values_list("granted", "method"))
    assert history == [(True, "checkbox"), (False, "unsubscribe_link")]


def test_marketing_consent_is_kept_apart_from_personal_data_consent():
    member = MemberFactory()
    consent_set(member=member, purpose="personal_data", granted=True, method="paper", source="store 12")
    member = Member.objects.get(pk=member.pk)
    assert member.personal_data_consent is True
    assert not (member.email_consent or member.sms_consent or member.push_consent)
