from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:page>/", views.page, name="page"),
    path("<slug:page>/<slug:chart>.csv", views.chart_csv, name="chart-csv"),
]
