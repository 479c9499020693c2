from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .dashboard import views as dashboard_views

app_name = "accounts"

urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/switch/", views.account_switch, name="switch"),
    path("account/settings/", views.account_settings, name="settings"),
    path("account/users/", views.membership_list, name="users"),
    path("account/users/new/", views.membership_add, name="user_add"),
    path("account/users/<int:pk>/", views.membership_edit, name="user_edit"),
    path("account/users/<int:pk>/active/", views.membership_toggle, name="user_toggle"),
    path("account/departments/", views.department_list, name="departments"),
    path("account/departments/<int:pk>/rename/", views.department_rename, name="department_rename"),
    path("account/departments/<int:pk>/delete/", views.department_delete, name="department_delete"),
]
