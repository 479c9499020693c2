from django.urls import path

from . import views

app_name = "tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("new/", views.token_create, name="create"),
    path("verify/", views.verify, name="verify"),
    path("<int:pk>/", views.token_edit, name="edit"),
    path("<int:pk>/active/", views.token_toggle, name="toggle"),
    path("<int:pk>/delete/", views.token_delete, name="delete"),
]
