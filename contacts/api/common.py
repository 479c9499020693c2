"""Helpers the contacts API views share: turning API input into upsert rows, checking referenced ids."""

import json
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ParseError

from marketing.accounts.models import Account
from marketing.core.parsers import BoundedJSONParser

from .. import selectors
from ..batch import custom_problems, number_field_names
from ..models import Contact, Group, GroupMembership
from ..serializers import STANDARD_KEYS
from ..sources import Source

SOURCE = Source.API


class StrictJSONParser(BoundedJSONParser):
    """JSON, nested a few levels at most, whose text can be stored: a lone surrogate escape ("\\ud800") is
    refused here, with a reason, instead of failing in the database."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not is_storable_text(data):
            raise ParseError(_("The JSON holds characters that are not valid Unicode (a lone surrogate escape)."))
        return data


JSON_ONLY = [StrictJSONParser]  # bodies are JSON documents; multipart is for file uploads only


def is_storable_text(data) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):
        return False
    return True


def contacts_with_groups(queryset: QuerySet[Contact]) -> QuerySet[Contact]:
    """Contacts with their group ids loaded in one more query, for ContactOutput."""
    return queryset.prefetch_related(Prefetch("memberships", queryset=GroupMembership.objects.only("group_id")))


def contact_row(data: dict) -> dict:
    """A validated ContactInput as a row of `contacts_upsert`: only the keys that were sent."""
    row = {key: data[key] for key in STANDARD_KEYS if key in data}
    for api_name, value in (data.get("custom") or {}).items():
        row[f"custom:{api_name}"] = value
    if data.get("add_to_groups"):
        row["group_ids_add"] = list(data["add_to_groups"])
    if data.get("remove_from_groups"):
        row["group_ids_remove"] = list(data["remove_from_groups"])
    if data.get("id"):
        row["id"] = data["id"]
    return row


def existing_group_ids(*, account: Account, ids: Iterable[int]) -> set[int]:
    ids = set(ids)
    if not ids:
        return set()
    return set(selectors.group_list(account=account).filter(pk__in=ids).values_list("pk", flat=True))


def missing_groups_message(missing: Iterable[int]) -> str:
    return _("No group with id %(ids)s in this account.") % {"ids": ", ".join(str(i) for i in sorted(missing))}


def groups_of(*, account: Account, data: dict, keys: Iterable[str]) -> None:
    """Refuse group ids (in `data[key]`) that are not groups of the account, naming the field."""
    errors = {}
    for key in keys:
        wanted = set(data.get(key) or ())
        missing = wanted - existing_group_ids(account=account, ids=wanted)
        if missing:
            errors[key] = [missing_groups_message(missing)]
    if errors:
        raise serializers.ValidationError(errors)


def group_ref(*, account: Account, pk: int, field: str) -> Group:
    """A group named in a request body: another account's (or a missing) group is a 400 on that field."""
    group = selectors.group_list(account=account).filter(pk=pk).first()
    if group is None:
        raise serializers.ValidationError({field: [missing_groups_message([pk])]})
    return group


def error_reason(errors) -> str:
    """Serializer errors of one item as one line: "email: Not a valid string.; phone: …"."""
    parts = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            text = error_reason(value)
            parts.append(text if key == "non_field_errors" else f"{key}: {text}")
    elif isinstance(errors, list):
        parts.extend(error_reason(value) for value in errors)
    else:
        parts.append(str(errors))
    return "; ".join(part for part in parts if part)


def check_custom_numbers(*, account: Account, data: dict) -> None:
    """Refuse custom number values no field can store, naming them under `custom`."""
    if not data.get("custom"):
        return
    problems = custom_problems(data["custom"], number_field_names(account=account))
    if problems:
        raise serializers.ValidationError({"custom": {name: [reason] for name, reason in problems.items()}})
