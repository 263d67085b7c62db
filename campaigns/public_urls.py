from django.urls import path  # noqa: F401

# Links that travel in messages: open pixel, click redirect, one-click unsubscribe, review form.
app_name = "campaigns_public"
urlpatterns = []
