"""Contacts over REST: list and search, read, create or update one, update in batches, delete (SPEC CON, API-4)."""

from dataclasses import asdict

import django_filters
from django import forms
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from marketing.core.api import AccountApiMixin, AccountApiView
from marketing.core.errors import ApplicationError
from marketing.core.filters import StrictFilterSet
from marketing.core.json_types import json_type_errors
from marketing.core.normalize import InvalidContactPoint, email_normalize, phone_normalize
from marketing.core.texts import Text, rendered

from .. import selectors, services
from ..batch import BatchItem, ItemResult, batch_counts, contacts_batch_run, custom_problems, number_field_names
from ..models import Contact
from ..serializers import (
    MAX_ID,
    ContactBatchInput,
    ContactBatchItem,
    ContactBatchOutput,
    ContactInput,
    ContactOutput,
)
from ..upsert import Policy, Status
from .common import (
    JSON_ONLY,
    SOURCE,
    check_custom_numbers,
    contact_row,
    contacts_with_groups,
    error_reason,
    existing_group_ids,
    group_ref,
    groups_of,
    missing_groups_message,
)

ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ContactFilter(StrictFilterSet):
    """SPEC CON-7 over the API. Searches read like the contacts screen (selectors.contact_list)."""

    q = django_filters.CharFilter(method="filter_q", help_text="Part of the name, phone, email or external ref.")
    group = IdFilter(method="filter_group", help_text="Members of this group.")
    created_after = django_filters.DateFilter(method="filter_created_after", help_text="Created on or after.")
    created_before = django_filters.DateFilter(method="filter_created_before", help_text="Created on or before.")
    email = django_filters.CharFilter(method="filter_email", help_text="This exact email address, any case.")
    phone = django_filters.CharFilter(
        method="filter_phone", help_text="This phone number, in any spelling (read with the account's region)."
    )

    class Meta:
        model = Contact
        fields = []

    @property
    def account(self):
        return self.request.user.account

    def _selected(self, queryset, **filters):
        return queryset & selectors.contact_list(account=self.account, **filters)

    def filter_q(self, queryset, name, value):
        return self._selected(queryset, search=value)

    def filter_group(self, queryset, name, value):
        return self._selected(queryset, group_id=value)

    def filter_created_after(self, queryset, name, value):
        return self._selected(queryset, created_from=value)

    def filter_created_before(self, queryset, name, value):
        return self._selected(queryset, created_to=value)

    def filter_email(self, queryset, name, value):
        try:
            return queryset.filter(email=email_normalize(value))
        except InvalidContactPoint as exc:
            raise serializers.ValidationError({"email": [exc.message]}) from exc

    def filter_phone(self, queryset, name, value):
        try:
            return queryset.filter(phone=phone_normalize(value, region=self.account.default_region))
        except InvalidContactPoint as exc:
            raise serializers.ValidationError({"phone": [exc.message]}) from exc


def _upsert_one(*, account, actor, row: dict, policy: Policy) -> ItemResult:
    """One contact through the upsert engine; a rejection is a 400 with its reason."""
    (outcome,) = contacts_batch_run(
        account=account, items=[BatchItem(0, row)], policy=policy, source=SOURCE, actor=actor
    )
    if outcome.status == Status.REJECTED:
        raise ApplicationError(
            Text.loaded(outcome.reason), code="contact_rejected", details={"reason": rendered(outcome.reason)}
        )
    return outcome


def _contact_output(account, pk: int) -> dict:
    return ContactOutput(contacts_with_groups(selectors.contact_list(account=account)).get(pk=pk)).data


@extend_schema(summary="Contacts of the account")
class ContactListApi(AccountApiMixin, ListAPIView):
    parser_classes = JSON_ONLY
    serializer_class = ContactOutput
    filterset_class = ContactFilter
    queryset = Contact.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return contacts_with_groups(selectors.contact_list(account=self.account))

    @extend_schema(
        summary="Add a contact (or update the one it matches)",
        description="Creates a contact, or updates the contact with the same external_ref, email or phone "
        "(answering 200 instead of 201). A contact needs a phone or an email; an invalid value answers 400 "
        "with the reason (code `contact_rejected`).",
        request=ContactInput,
        responses={201: ContactOutput, 200: ContactOutput},
    )
    def post(self, request):
        data = self.validate(ContactInput, request.data)
        groups_of(account=self.account, data=data, keys=("add_to_groups", "remove_from_groups"))
        check_custom_numbers(account=self.account, data=data)
        outcome = _upsert_one(account=self.account, actor=self.actor, row=contact_row(data), policy=Policy())
        code = status.HTTP_201_CREATED if outcome.status == Status.NEW else status.HTTP_200_OK
        return Response(_contact_output(self.account, outcome.contact_id), status=code)


class ContactDetailApi(AccountApiView):
    parser_classes = JSON_ONLY

    @extend_schema(summary="One contact", responses=ContactOutput)
    def get(self, request, pk: int):
        contact = selectors.contact_get(account=self.account, pk=pk)
        return Response(_contact_output(self.account, contact.pk))

    @extend_schema(
        summary="Change a contact",
        description="Only the keys sent change; an empty value clears a field (a contact keeps at least one of "
        "phone and email).",
        request=ContactInput,
        responses=ContactOutput,
    )
    def patch(self, request, pk: int):
        contact = selectors.contact_get(account=self.account, pk=pk)
        data = self.validate(ContactInput, request.data)
        groups_of(account=self.account, data=data, keys=("add_to_groups", "remove_from_groups"))
        check_custom_numbers(account=self.account, data=data)
        row = {**contact_row(data), "id": contact.pk}
        _upsert_one(account=self.account, actor=self.actor, row=row, policy=Policy(add_new=False, update_existing=True))
        return Response(_contact_output(self.account, contact.pk))

    @extend_schema(
        summary="Delete a contact",
        description="Its send history stays (SPEC CON-6).",
        responses={204: OpenApiResponse(description="Deleted.")},
    )
    def delete(self, request, pk: int):
        contact = selectors.contact_get(account=self.account, pk=pk)
        services.contact_delete(account=self.account, actor=self.actor, contact=contact)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactBatchApi(AccountApiView):
    parser_classes = JSON_ONLY

    @extend_schema(
        summary="Add or update up to 1,000 contacts",
        description="Each contact is checked on its own: the valid ones are saved, the others come back "
        "`rejected` with a reason (partial success). The counts add up to `read`.",
        request=ContactBatchInput,
        responses=ContactBatchOutput,
    )
    def post(self, request):
        data = self.validate(ContactBatchInput, request.data)
        result = contacts_batch_upsert(account=self.account, actor=self.actor, data=data)
        return Response(ContactBatchOutput(result).data)


GROUP_KEYS = ("add_to_groups", "remove_from_groups")


def contacts_batch_upsert(*, account, actor, data: dict) -> dict:
    """A validated ContactBatchInput through the upsert engine; one outcome per item, in order (SPEC API-4).

    Items are validated one by one, so a bad item is rejected with its reason and the others are saved.
    """
    groups = [group_ref(account=account, pk=pk, field="groups") for pk in dict.fromkeys(data.get("groups", []))]
    number_names = number_field_names(account=account)
    checked = [_item_checked(item, number_names) for item in data["contacts"]]
    asked = {g for item in checked if isinstance(item, dict) for key in GROUP_KEYS for g in item.get(key) or ()}
    known_groups = existing_group_ids(account=account, ids=asked)
    items = []
    for index, item in enumerate(checked):
        if isinstance(item, dict) and (missing := {g for k in GROUP_KEYS for g in item.get(k) or ()} - known_groups):
            item = missing_groups_message(missing)
        if isinstance(item, str):
            items.append(BatchItem(index, refused=item))
        else:
            items.append(BatchItem(index, contact_row(item), handle_events=data["handle_events"]))
    results = contacts_batch_run(
        account=account,
        items=items,
        policy=Policy(
            add_new=data["add_new"],
            update_existing=data["update_existing"],
            avoid_losing_data=data["avoid_losing_data"],
        ),
        source=SOURCE,
        groups=groups,
        actor=actor,
    )
    outcomes = [asdict(result) for result in results]
    return {"read": len(outcomes), **batch_counts(results), "outcomes": outcomes}


def _item_checked(item, number_names: set[str]) -> dict | str:
    """The validated item, or why it is rejected."""
    if not isinstance(item, dict):
        return _("Each contact must be a JSON object.")
    serializer = ContactBatchItem(data=item)
    type_errors = json_type_errors(serializer, item)
    if type_errors:
        return error_reason(type_errors)
    if not serializer.is_valid():
        return error_reason(serializer.errors)
    data = serializer.validated_data
    problems = custom_problems(data.get("custom") or {}, number_names)
    if problems:
        return "; ".join(f"custom.{name}: {reason}" for name, reason in problems.items())
    return data
