import factory
from django.contrib.auth import get_user_model

from customers.tests.factories import MemberFactory

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member-user-{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MemberWithUserFactory(MemberFactory):
    user = factory.SubFactory(UserFactory)
    phone = factory.Sequence(lambda n: f"+7999{n:07d}")
