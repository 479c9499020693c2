"""Reads of contacts, groups and suppressions, always within one account."""

from django.db.models import Count, Q, QuerySet

from marketing.accounts.models import Account
from marketing.core.tenancy import tenant_get

from . import schema
from .models import BulkJob, Contact, CustomField, Group, GroupMembership, ImportJob, Suppression, SuppressionEvent
from .storage import READ_COLUMNS, Record, records_find

_FILTERABLE = {f.key: f.column for f in schema.filterable()}  # field key -> the column an exact filter reads
_ASCII_DIGITS = frozenset("0123456789")


def point_search(search: str, *, phone: str, email: str) -> Q:
    """Where a typed search finds a phone or an email (SPEC CON-7, UNS-2), one rule for every list.

    An email matches any part of it, in any case. A phone matches by its digits in any spelling: with
    four digits or more, "050-123 4567", "+972 50 1234567" and "1234567" all find +972501234567 (the
    leading zeros of a national or 00 prefix are dropped, since the stored form has none).
    """
    search = search.strip()
    query = Q(**{f"{email}__icontains": search})
    digits = "".join(ch for ch in search if ch in _ASCII_DIGITS)
    if len(digits) >= 4:
        query |= Q(**{f"{phone}__contains": digits.lstrip("0")})
    return query


def contact_list(
    *,
    account: Account,
    search: str = "",
    group_id: int | None = None,
    created_from=None,
    created_to=None,
    field_filters: dict | None = None,
) -> QuerySet[Contact]:
    """SPEC CON-7: search by name, phone or email; filter by group, dates and field values."""
    qs = Contact.objects.filter(account=account)
    search = (search or "").strip()
    if search:
        query = (
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | point_search(search, phone="phone", email="email")
            | Q(external_ref=search)
        )
        parts = search.split()
        if len(parts) >= 2:
            query |= Q(first_name__icontains=parts[0], last_name__icontains=" ".join(parts[1:]))
        qs = qs.filter(query)
    if group_id:
        qs = qs.filter(memberships__group_id=group_id)
    if created_from:
        qs = qs.filter(created_at__date__gte=created_from)
    if created_to:
        qs = qs.filter(created_at__date__lte=created_to)
    for key, value in (field_filters or {}).items():
        if value in (None, ""):
            continue
        if key.startswith(schema.CUSTOM_PREFIX):
            qs = qs.filter(**{f"custom__{key[len(schema.CUSTOM_PREFIX) :]}": value})
        elif key in _FILTERABLE:
            qs = qs.filter(**{_FILTERABLE[key]: value})
    return qs.order_by("-id")


def contact_get(*, account: Account, pk: int) -> Contact:
    return tenant_get(Contact, account=account, pk=pk)


def contact_groups(*, account: Account, contact: Contact) -> QuerySet[Group]:
    return Group.objects.filter(account=account, memberships__contact=contact).order_by("name")


def group_list(*, account: Account) -> QuerySet[Group]:
    return Group.objects.filter(account=account).annotate(member_count=Count("memberships")).order_by("name", "id")


def group_get(*, account: Account, pk: int) -> Group:
    return tenant_get(Group, account=account, pk=pk)


def group_member_ids(*, account: Account, group: Group) -> QuerySet:
    return GroupMembership.objects.filter(account=account, group=group).values_list("contact_id", flat=True)


def custom_field_list(*, account: Account) -> QuerySet[CustomField]:
    return CustomField.objects.filter(account=account).order_by("is_legacy_slot", "label", "id")


def custom_field_get(*, account: Account, pk: int) -> CustomField:
    return tenant_get(CustomField, account=account, pk=pk)


def suppression_list(
    *, account: Account, search: str = "", channel: str = "", date_from=None, date_to=None
) -> QuerySet[Suppression]:
    """SPEC UNS-2: search a point, filter by channel and date range."""
    qs = Suppression.objects.filter(account=account)
    search = (search or "").strip()
    if search:
        qs = qs.filter(point_search(search, phone="point", email="point"))
    if channel:
        qs = qs.filter(channel=channel)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs.order_by("-created_at", "-id")


def suppression_history(*, account: Account, point: str = "") -> QuerySet[SuppressionEvent]:
    qs = SuppressionEvent.objects.filter(account=account).select_related("actor")
    if point:
        qs = qs.filter(point=point)
    return qs.order_by("-created_at", "-id")


def suppressed_points(*, account: Account, channel: str, points: list[str]) -> set[str]:
    return set(
        Suppression.objects.filter(account=account, channel=channel, point__in=points).values_list("point", flat=True)
    )


def import_job_get(*, account: Account, pk: int) -> ImportJob:
    return tenant_get(ImportJob, account=account, pk=pk)


def bulk_job_get(*, account: Account, pk: int) -> BulkJob:
    return tenant_get(BulkJob, account=account, pk=pk)


def import_job_list(*, account: Account) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(account=account).select_related("group", "created_by")


def bulk_job_list(*, account: Account) -> QuerySet[BulkJob]:
    """The account's background bulk actions, newest first."""
    return BulkJob.objects.filter(account=account).select_related("created_by").order_by("-created_at", "-id")


# What a matching or comparing caller reads of a contact (a sync deciding which contact a record is).
CONTACT_VALUE_COLUMNS = READ_COLUMNS


def contacts_by_points(*, account_id: int, ids=(), emails=(), phones=()) -> list[Record]:
    """The account's contacts with any of these ids, emails or phones (in their stored form), oldest first,
    each with the CONTACT_VALUE_COLUMNS."""
    return records_find(account_id=account_id, ids=set(ids), refs=set(), emails=set(emails), phones=set(phones))
