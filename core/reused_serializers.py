"""A serializer built once per process for the hottest endpoints, instead of once per request.

A DRF serializer deep-copies every declared field (and each nested serializer's fields) when it is built, on
every request, before it validates or renders anything: about a fifth of the order API's Python
(BENCHMARKS.md, issue #18). Validation and rendering themselves keep no state on the serializer (only
`is_valid()` stores its result, and this does not call it), so one instance's bound fields can serve every
request, in every thread: `ReusedSerializer` runs DRF's own `run_validation` and `to_representation` on it,
so the values, the defaults and the JSON are DRF's, exactly.

Errors cost what they always did: when the reused instance refuses a body, the serializer is built the usual
way and `is_valid(raise_exception=True)` raises, so the error body (the one error shape, the same messages,
a 4xx never a 500) is exactly what it always was. A serializer whose fields depend on the request sets them
in `per_request()` (called before each use); one whose fields depend on the instance or keeps state while it
validates must not be reused.
"""
import threading

from rest_framework.exceptions import ValidationError


class ReusedSerializer:
    def __init__(self, serializer_class):
        self.serializer_class = serializer_class
        self._serializer = None
        self._lock = threading.Lock()

    def _instance(self):
        if self._serializer is None:  # built on first use: the settings and apps are ready by then
            with self._lock:
                if self._serializer is None:
                    serializer = self.serializer_class()
                    serializer.fields  # noqa: B018 - bind the fields once, before any thread shares them
                    self._serializer = serializer
        serializer = self._serializer
        if hasattr(serializer, "per_request"):
            serializer.per_request()
        return serializer

    def validated(self, data) -> dict:
        """`serializer_class(data=data)`'s validated data; raises its ValidationError for a body it refuses."""
        try:
            return self._instance().run_validation(data)
        except ValidationError:
            pass
        serializer = self.serializer_class(data=data)  # the usual way, for the error as it always was
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data  # valid after all (it cannot differ, but DRF has the last word)

    def data(self, instance) -> dict:
        """`serializer_class(instance).data`, as a plain dict."""
        return self._instance().to_representation(instance)
