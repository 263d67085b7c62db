import datetime as dt

import factory
from django.utils import timezone

from customers.models import AttributeDefinition, EngagementEvent, Member


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    external_id = factory.Sequence(lambda n: f"M{n:07d}")
    email = factory.LazyAttribute(lambda m: f"{m.external_id.lower()}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    registered_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=400))
    timezone = "Europe/Moscow"


class AttributeDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttributeDefinition
        django_get_or_create = ["key"]

    key = factory.Sequence(lambda n: f"attr_{n}")
    label = factory.LazyAttribute(lambda a: a.key.replace("_", " ").capitalize())
    type = AttributeDefinition.Type.TEXT


class EngagementEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EngagementEvent

    member = factory.SubFactory(MemberFactory)
    channel = "email"
    kind = EngagementEvent.Kind.OPEN
    occurred_at = factory.LazyFunction(timezone.now)
