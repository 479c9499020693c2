"""The integrations screens, in the "integrations" namespace: each connector's screens under its own path."""

from django.urls import include, path
from django.views.generic import RedirectView

app_name = "integrations"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="integrations:salesforce"), name="index"),
    path("salesforce/", include("integrations.salesforce.urls")),
]
