import factory
from django.utils import timezone

from monitoring.models import Heartbeat


class HeartbeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Heartbeat
        django_get_or_create = ("name",)

    name = "beat"
    beat_at = factory.LazyFunction(timezone.now)
