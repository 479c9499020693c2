"""The Salesforce screens, under /integrations/salesforce/ in the "integrations" namespace (integrations/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.salesforce_connection, name="salesforce"),
    path("connect/", views.salesforce_connect, name="salesforce_connect"),
    path("authorize/", views.salesforce_authorize, name="salesforce_authorize"),
    path("callback/", views.salesforce_callback, name="salesforce_callback"),
    path("test/", views.salesforce_test, name="salesforce_test"),
    path("sync/", views.salesforce_sync, name="salesforce_sync"),
    path("pause/", views.salesforce_pause, name="salesforce_pause"),
    path("resume/", views.salesforce_resume, name="salesforce_resume"),
    path("disconnect/", views.salesforce_disconnect, name="salesforce_disconnect"),
    path("settings/", views.salesforce_settings, name="salesforce_settings"),
    path("optouts/past/", views.salesforce_past_optouts, name="salesforce_past_optouts"),
    path("groups/<int:group_id>/unsync/", views.salesforce_group_unsync, name="salesforce_group_unsync"),
    path("runs/", views.run_list, name="runs"),
    path("runs/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("errors/", views.error_list, name="errors"),
    path("errors/retry-dead/", views.errors_retry_dead, name="errors_retry_dead"),
    path("errors/<int:pk>/retry/", views.error_retry, name="error_retry"),
]
