from django.urls import path

from .apis import EventsIngestApi

urlpatterns = [path("events", EventsIngestApi.as_view(), name="events-ingest")]
