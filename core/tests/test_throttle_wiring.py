"""Every throttle of every URL counts by API key or by `core.client_ip`, never by DRF's own header reading."""
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.throttling import SimpleRateThrottle

from core.api_keys import ApiKeyAuthentication
from core.throttling import ApiKeyRateThrottle, ClientScopedRateThrottle


def _api_views(patterns=None, prefix=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from _api_views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            view_class = getattr(entry.callback, "cls", None)
            if view_class is not None:
                yield prefix + str(entry.pattern), view_class


def test_views_by_api_key_are_limited_per_key():
    # given every API view that accepts an API key (POS and staff)
    keyed = [(route, view) for route, view in _api_views() if ApiKeyAuthentication in view.authentication_classes]
    assert {route for route, _ in keyed} >= {"api/v1/orders", "api/v1/segments/"}
    # then each one counts requests per key
    assert [route for route, view in keyed if ApiKeyRateThrottle not in view.throttle_classes] == []


def test_address_throttles_read_the_one_client_address_function():
    unsafe = [(route, throttle.__name__) for route, view in _api_views() for throttle in view.throttle_classes
              if issubclass(throttle, SimpleRateThrottle) and not issubclass(throttle, ClientScopedRateThrottle)]
    assert unsafe == []
