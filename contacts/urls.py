from django.urls import path

from . import views, wizard
from .views.bulk import bulk_action, bulk_list, bulk_status
from .views.groups import group_members_add

app_name = "contacts"

# Exports end in .csv or .xlsx; any other ending is a 404.
urlpatterns = [
    path("", views.contact_list, name="list"),
    path("export.<str:fmt>", views.contact_export, name="export"),
    path("new/", views.contact_add, name="add"),
    path("check/", views.contact_point_check, name="point_check"),
    path("<int:pk>/", views.contact_edit, name="edit"),
    path("<int:pk>/delete/", views.contact_delete, name="delete"),
    path("bulk/", bulk_action, name="bulk"),
    path("bulk/history/", bulk_list, name="bulk_list"),
    path("bulk/<int:pk>/", bulk_status, name="bulk_status"),
    path("groups/", views.group_list, name="groups"),
    path("groups/merge/", views.group_merge, name="group_merge"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("groups/<int:pk>/rename/", views.group_rename, name="group_rename"),
    path("groups/<int:pk>/delete/", views.group_delete, name="group_delete"),
    path("groups/<int:pk>/remove/", views.group_members_remove, name="group_members_remove"),
    path("groups/<int:pk>/add/", group_members_add, name="group_members_add"),
    path("groups/<int:pk>/export.<str:fmt>", views.group_export, name="group_export"),
    path("fields/", views.field_list, name="fields"),
    path("fields/new/", views.field_add, name="field_add"),
    path("fields/<int:pk>/", views.field_edit, name="field_edit"),
    path("fields/<int:pk>/delete/", views.field_delete, name="field_delete"),
    path("unsubscribes/", views.unsubscribe_list, name="unsubscribes"),
    path("unsubscribes/removes.<str:fmt>", views.unsubscribe_export, name="unsubscribes_export"),
    path("unsubscribes/import/", views.unsubscribe_import, name="unsubscribes_import"),
    path("unsubscribes/add/", views.unsubscribe_add, name="unsubscribes_add"),
    path("unsubscribes/history/", views.unsubscribe_history, name="unsubscribe_history"),
    path("unsubscribes/<int:pk>/resubscribe/", views.unsubscribe_resubscribe, name="unsubscribe_resubscribe"),
    *wizard.urlpatterns,
]
