from django.urls import path

from . import public_views

# Links that travel in messages: open pixel, click redirect, one-click unsubscribe.
app_name = "campaigns_public"
urlpatterns = [
    path("u/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
    path("o/<str:token>.gif", public_views.open_pixel, name="open"),
    path("c/<str:token>/", public_views.click, name="click"),
]
