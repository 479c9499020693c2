from django.urls import include, path, re_path

from .views import compose, messages, report
from .views.history import contact_history
from .views.hooks import email_hook_urlpatterns, twilio_status
from .views.unsubscribe import unsubscribe

app_name = "messaging"

urlpatterns = [
    path("u/<str:token>/", unsubscribe, name="unsubscribe"),
    path("messages/", messages.message_list, name="message_list"),
    path("messages/<int:pk>/progress/", messages.message_progress, name="message_progress"),
    path("messages/<int:pk>/pause/", messages.message_pause, name="message_pause"),
    path("messages/<int:pk>/resume/", messages.message_resume, name="message_resume"),
    path("messages/<int:pk>/cancel/", messages.message_cancel, name="message_cancel"),
    path("messages/new/sms/", compose.message_new, {"channel": "sms"}, name="message_new_sms"),
    path("messages/new/email/", compose.message_new, {"channel": "email"}, name="message_new_email"),
    path("messages/<int:pk>/edit/", compose.message_edit, name="message_edit"),
    re_path(r"^messages/compose/(?P<channel>sms|email)/audience/$", compose.compose_audience, name="compose_audience"),
    re_path(r"^messages/compose/(?P<channel>sms|email)/preview/$", compose.compose_preview, name="compose_preview"),
]

urlpatterns += [
    path("messages/<int:pk>/", report.message_report, name="message_report"),
    path("messages/<int:pk>/preview/", report.message_preview, name="message_preview"),
    path("messages/<int:pk>/recipients/", report.recipient_list, name="recipient_list"),
    path("messages/<int:pk>/recipients/export.<str:fmt>", report.recipient_export, name="recipient_export"),
]

urlpatterns += [
    path("messages/contact/<int:contact_id>/history/", contact_history, name="contact_history"),
]

urlpatterns += [
    path("hooks/sms/twilio/status/<str:token>/", twilio_status, name="twilio_status"),
    path("hooks/email/", include(email_hook_urlpatterns)),
]
