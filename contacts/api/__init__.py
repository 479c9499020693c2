"""REST API for contacts, groups, memberships, custom fields, suppressions and imports (SPEC API-1).

Mounted under /api/v1/ with the namespace "api" (marketing/urls.py).
"""

from django.urls import path

from .contacts import ContactBatchApi, ContactDetailApi, ContactListApi
from .custom_fields import CustomFieldDetailApi, CustomFieldListApi
from .groups import GroupDetailApi, GroupListApi, GroupMembersApi, GroupMembersRemoveApi, GroupMergeApi
from .imports import ImportDetailApi, ImportListApi, ImportRejectedApi
from .suppressions import SuppressionListApi

api_urlpatterns = [
    path("contacts/", ContactListApi.as_view(), name="contact-list"),
    path("contacts/batch/", ContactBatchApi.as_view(), name="contact-batch"),
    path("contacts/<int:pk>/", ContactDetailApi.as_view(), name="contact-detail"),
    path("groups/", GroupListApi.as_view(), name="group-list"),
    path("groups/<int:pk>/", GroupDetailApi.as_view(), name="group-detail"),
    path("groups/<int:pk>/members/", GroupMembersApi.as_view(), name="group-members"),
    path("groups/<int:pk>/members/remove/", GroupMembersRemoveApi.as_view(), name="group-members-remove"),
    path("groups/<int:pk>/merge/", GroupMergeApi.as_view(), name="group-merge"),
    path("custom-fields/", CustomFieldListApi.as_view(), name="custom-field-list"),
    path("custom-fields/<int:pk>/", CustomFieldDetailApi.as_view(), name="custom-field-detail"),
    path("suppressions/", SuppressionListApi.as_view(), name="suppression-list"),
    path("imports/", ImportListApi.as_view(), name="import-list"),
    path("imports/<int:pk>/", ImportDetailApi.as_view(), name="import-detail"),
    path("imports/<int:pk>/rejected/", ImportRejectedApi.as_view(), name="import-rejected"),
]
