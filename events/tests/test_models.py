import pytest
from django.core.exceptions import ValidationError

from events.models import EventType

pytestmark = pytest.mark.django_db


def test_a_broken_json_schema_is_refused_on_save():
    with pytest.raises(ValidationError):
        EventType.objects.create(key="broken", name="Broken", properties_schema={"type": "no-such-type"})
    with pytest.raises(ValidationError):
        EventType(key="broken", name="Broken", properties_schema={"minimum": "three"}).save()
    EventType.objects.create(key="fine", name="Fine", properties_schema={"type": "object"})
