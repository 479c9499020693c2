"""Groups over REST (SPEC CON-4): list, create, rename, delete, members, merge."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from marketing.core.api import AccountApiMixin, AccountApiView

from .. import selectors, services
from ..models import Contact, Group
from ..serializers import (
    ContactIdsInput,
    ContactOutput,
    GroupMergeInput,
    GroupNameInput,
    GroupOutput,
    MembersAddOutput,
    MembersRemoveOutput,
)
from .common import JSON_ONLY, SOURCE, contacts_with_groups, group_ref


def _group_output(account, pk: int) -> dict:
    return GroupOutput(selectors.group_list(account=account).get(pk=pk)).data


@extend_schema(summary="Groups of the account")
class GroupListApi(AccountApiMixin, ListAPIView):
    parser_classes = JSON_ONLY
    serializer_class = GroupOutput
    queryset = Group.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return selectors.group_list(account=self.account)

    @extend_schema(summary="Create a group", request=GroupNameInput, responses={201: GroupOutput})
    def post(self, request):
        data = self.validate(GroupNameInput, request.data)
        group = services.group_create(account=self.account, actor=self.actor, name=data["name"])
        return Response(_group_output(self.account, group.pk), status=status.HTTP_201_CREATED)


class GroupDetailApi(AccountApiView):
    parser_classes = JSON_ONLY

    @extend_schema(summary="One group", responses=GroupOutput)
    def get(self, request, pk: int):
        group = selectors.group_get(account=self.account, pk=pk)
        return Response(_group_output(self.account, group.pk))

    @extend_schema(
        summary="Rename a group",
        description="Only the keys sent change: an empty object changes nothing and answers the group.",
        request=GroupNameInput,
        responses=GroupOutput,
    )
    def patch(self, request, pk: int):
        group = selectors.group_get(account=self.account, pk=pk)
        data = self.validate(GroupNameInput, request.data, partial=True)
        if "name" in data:
            services.group_rename(account=self.account, actor=self.actor, group=group, name=data["name"])
        return Response(_group_output(self.account, group.pk))

    @extend_schema(
        summary="Delete a group",
        description="The group's contacts stay.",
        responses={204: OpenApiResponse(description="Deleted.")},
    )
    def delete(self, request, pk: int):
        group = selectors.group_get(account=self.account, pk=pk)
        services.group_delete(account=self.account, actor=self.actor, group=group)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(summary="Members of a group")
class GroupMembersApi(AccountApiMixin, ListAPIView):
    parser_classes = JSON_ONLY
    serializer_class = ContactOutput
    queryset = Contact.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        group = selectors.group_get(account=self.account, pk=self.kwargs["pk"])
        return contacts_with_groups(selectors.contact_list(account=self.account, group_id=group.pk))

    @extend_schema(
        summary="Add contacts to a group",
        description="Up to 1,000 contact ids a call. Ids that are not contacts of this account come back in "
        "`not_found` and change nothing.",
        request=ContactIdsInput,
        responses=MembersAddOutput,
    )
    def post(self, request, pk: int):
        group = selectors.group_get(account=self.account, pk=pk)
        ids = self.validate(ContactIdsInput, request.data)["contact_ids"]
        result = services.group_members_add(
            account=self.account, actor=self.actor, group=group, contact_ids=ids, source=SOURCE
        )
        return Response(result)


class GroupMembersRemoveApi(AccountApiView):
    parser_classes = JSON_ONLY

    @extend_schema(
        summary="Remove contacts from a group",
        description="The contacts stay in the account; up to 1,000 ids a call.",
        request=ContactIdsInput,
        responses=MembersRemoveOutput,
    )
    def post(self, request, pk: int):
        group = selectors.group_get(account=self.account, pk=pk)
        ids = set(self.validate(ContactIdsInput, request.data)["contact_ids"])
        removed = services.group_members_remove(account=self.account, actor=self.actor, group=group, contact_ids=ids)
        return Response({"removed": removed, "not_members": len(ids) - removed})


class GroupMergeApi(AccountApiView):
    parser_classes = JSON_ONLY

    @extend_schema(
        summary="Merge this group into another",
        description="Every member of this group joins `into`, then this group is deleted. Repeat to merge more.",
        request=GroupMergeInput,
        responses=GroupOutput,
    )
    def post(self, request, pk: int):
        source = selectors.group_get(account=self.account, pk=pk)
        data = self.validate(GroupMergeInput, request.data)
        target = group_ref(account=self.account, pk=data["into"], field="into")
        services.group_merge(account=self.account, actor=self.actor, source=source, target=target)
        return Response(_group_output(self.account, target.pk))
