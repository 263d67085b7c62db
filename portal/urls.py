from django.urls import path

from .web import views

app_name = "portal"
urlpatterns = [
    path("password-reset/", views.password_reset_confirm, name="password_reset_confirm"),
]
