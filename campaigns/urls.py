from django.urls import path  # noqa: F401

# The campaign results page lives in the admin (CampaignAdmin.get_urls); no API endpoints yet.
urlpatterns = []
