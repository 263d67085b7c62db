import factory

from core.api_keys import api_key_create
from core.models import ApiKey


class ApiKeyFactory(factory.Factory):
    """Builds a key through the real service; the raw key is on `.raw` for the Authorization header."""

    class Meta:
        model = ApiKey

    name = factory.Sequence(lambda n: f"Till {n}")
    scopes = factory.LazyFunction(lambda: ["pos"])
    rate_limit = None

    @classmethod
    def _create(cls, model_class, name, scopes, rate_limit):
        key, raw = api_key_create(name=name, scopes=scopes)
        if rate_limit is not None:
            ApiKey.objects.filter(pk=key.pk).update(rate_limit=rate_limit)
            key.rate_limit = rate_limit
        key.raw = raw
        return key


def auth_header(key: ApiKey) -> dict:
    return {"HTTP_AUTHORIZATION": f"Api-Key {key.raw}"}
