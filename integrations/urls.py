from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "integrations"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="integrations:salesforce"), name="index"),
    path("salesforce/", views.salesforce_connection, name="salesforce"),
    path("salesforce/connect/", views.salesforce_connect, name="salesforce_connect"),
    path("salesforce/authorize/", views.salesforce_authorize, name="salesforce_authorize"),
    path("salesforce/callback/", views.salesforce_callback, name="salesforce_callback"),
    path("salesforce/test/", views.salesforce_test, name="salesforce_test"),
    path("salesforce/sync/", views.salesforce_sync, name="salesforce_sync"),
    path("salesforce/pause/", views.salesforce_pause, name="salesforce_pause"),
    path("salesforce/resume/", views.salesforce_resume, name="salesforce_resume"),
    path("salesforce/disconnect/", views.salesforce_disconnect, name="salesforce_disconnect"),
    path("salesforce/settings/", views.salesforce_settings, name="salesforce_settings"),
    path("salesforce/optouts/past/", views.salesforce_past_optouts, name="salesforce_past_optouts"),
    path("salesforce/groups/<int:group_id>/unsync/", views.salesforce_group_unsync, name="salesforce_group_unsync"),
    path("salesforce/runs/", views.run_list, name="runs"),
    path("salesforce/runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("salesforce/runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("salesforce/errors/", views.error_list, name="errors"),
    path("salesforce/errors/retry-dead/", views.errors_retry_dead, name="errors_retry_dead"),
    path("salesforce/errors/<int:pk>/retry/", views.error_retry, name="error_retry"),
]
