from django.urls import path

from . import views

# Provider callbacks (public, signature- or secret-checked).
app_name = "messaging"
urlpatterns = [
    path("sms/smsru/<str:secret>/", views.sms_status_callback, {"provider": "smsru"}, name="smsru_status"),
    path("email/<str:esp>/tracking/", views.email_tracking_webhook, name="email_tracking"),
    path("sms/twilio/status/", views.sms_status_callback, {"provider": "twilio"}, name="twilio_status"),
]
