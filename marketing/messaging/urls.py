from django.urls import path

from .views.unsubscribe import unsubscribe

app_name = "messaging"

urlpatterns = [
    path("u/<str:token>/", unsubscribe, name="unsubscribe"),
]
