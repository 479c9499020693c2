"""The batch upsert engine: every way a contact enters goes through `contacts_upsert` (DESIGN §2.3).

Rows are dicts keyed by field: "id", "known_id", "external_ref", "first_name", "last_name",
"full_name", "email", "phone", "gender", "birth_date", "additional_date",
"registration_date", "custom:<api name>", plus "groups" (group names, created
when missing), "group_ids_add" and "group_ids_remove". "id" must name a
contact of the account; "known_id" (a file's own id column, maybe exported
from another account) matches when it names one and is passed over when not. A key that is absent is
left alone; a key with an empty value clears the field unless the policy avoids
losing data. Each row ends as new, updated, unchanged or rejected with a reason
(SPEC IMP-7). Work is set-based: a few queries per chunk, never one per row.
Suppressions live in their own table, so no upsert can lift one (SPEC UNS-4).
"""

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from automations.services import EventKind, events_emit_many
from marketing.accounts.models import Account
from marketing.core.normalize import InvalidContactPoint, email_normalize, phone_normalize

from .models import CustomField, Gender, Group, GroupMembership
from .storage import Record, records_find, records_insert, records_update, statistics_refresh

CHUNK_SIZE = 5000
DATE_FIELDS = ("birth_date", "additional_date", "registration_date")
TEXT_FIELDS = ("first_name", "last_name")
STANDARD_FIELDS = ("first_name", "last_name", "email", "phone", "gender", *DATE_FIELDS, "external_ref")
LEGACY_SLOTS = (
    *(f"Text{i}" for i in range(1, 21)),
    *(f"Number{i}" for i in range(1, 5)),
    *(f"Date{i}" for i in range(1, 3)),
)


class Status:
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Policy:
    """SPEC IMP-5."""

    add_new: bool = True
    update_existing: bool = True
    avoid_losing_data: bool = False


@dataclass(frozen=True)
class RowOutcome:
    index: int
    status: str
    contact_id: int | None = None
    reason: str = ""


@dataclass
class UpsertResult:
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("read", "new", "updated", "unchanged", "rejected")}

    def add(self, outcome: RowOutcome, keep: bool) -> None:
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        if keep:
            self.outcomes.append(outcome)


class RowRejected(Exception):
    pass


class _NeedsOwnerThread(Exception):
    """A row whose cleaning writes to the database: it is cleaned again by the engine's own thread."""


@dataclass
class _Prepared:
    """A chunk as read and cleaned, ahead of its write."""

    raw: list[tuple[int, dict]]
    cleaned: list["Clean"] = field(default_factory=list)
    rejected: list[tuple[int, dict, str]] = field(default_factory=list)
    deferred: list[tuple[int, dict]] = field(default_factory=list)


# --- cleaning -----------------------------------------------------------------------------------------


@dataclass
class Clean:
    index: int
    values: dict  # standard fields provided by the row, cleaned
    custom: dict  # custom values provided by the row, cleaned (api name -> JSON value)
    contact_id: int | None = None
    id_required: bool = True  # False: an id naming no contact of the account falls back to the other keys
    group_names: tuple[str, ...] = ()
    group_ids_add: tuple[int, ...] = ()
    group_ids_remove: tuple[int, ...] = ()

    @property
    def keys(self) -> tuple[str, str, str]:
        return (self.values.get("external_ref", ""), self.values.get("email", ""), self.values.get("phone", ""))


def _parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    from .importers.values import parse_date

    return parse_date(str(value))


def _parse_gender(value) -> str:
    if value in (None, ""):
        return ""
    if value in Gender.values:
        return value
    from .importers.values import parse_gender

    return parse_gender(str(value))


class FieldCatalog:
    """The account's custom fields, with the legacy slots created on first use."""

    def __init__(self, account: Account):
        self.account = account
        self.by_name = {f.api_name: f for f in CustomField.objects.filter(account=account)}
        self.owner = threading.get_ident()

    def field(self, api_name: str) -> CustomField:
        found = self.by_name.get(api_name)
        if found is None and api_name in LEGACY_SLOTS:
            if threading.get_ident() != self.owner:
                raise _NeedsOwnerThread(api_name)  # the read-ahead thread has no database connection of its own
            kind = {"T": CustomField.Kind.TEXT, "N": CustomField.Kind.NUMBER, "D": CustomField.Kind.DATE}[api_name[0]]
            found, _created = CustomField.objects.get_or_create(
                account=self.account,
                api_name=api_name,
                defaults={"label": api_name, "kind": kind, "is_legacy_slot": True},
            )
            self.by_name[api_name] = found
        if found is None:
            raise RowRejected(_("Unknown custom field “%(name)s”.") % {"name": api_name})
        return found

    def clean(self, api_name: str, value):
        custom_field = self.field(api_name)
        if value is None or value == "":
            return None
        kind = custom_field.kind
        if kind == CustomField.Kind.NUMBER:
            try:
                number = Decimal(str(value).replace(",", "").strip())
            except InvalidOperation as exc:
                raise RowRejected(
                    _("“%(value)s” is not a number (field %(field)s).") % {"value": value, "field": custom_field.label}
                ) from exc
            if not number.is_finite() or abs(number) >= Decimal("1e15"):
                raise RowRejected(
                    _("“%(value)s” is not a number (field %(field)s).") % {"value": value, "field": custom_field.label}
                )
            return int(number) if number == number.to_integral_value() else float(number)
        if kind == CustomField.Kind.DATE:
            try:
                return _parse_date(value).isoformat()
            except ValueError as exc:
                raise RowRejected(f"{custom_field.label}: {exc}") from exc
        text = str(value).strip()
        if kind == CustomField.Kind.CHOICE and custom_field.choices and text not in custom_field.choices:
            raise RowRejected(
                _("“%(value)s” is not one of the choices of %(field)s.") % {"value": text, "field": custom_field.label}
            )
        return text


def _clean_row(index: int, row: dict, *, region: str, catalog: FieldCatalog) -> Clean:
    values: dict = {}
    custom: dict = {}
    if "full_name" in row and "first_name" not in row and "last_name" not in row:
        from .importers.values import split_full_name

        values["first_name"], values["last_name"] = split_full_name(str(row["full_name"] or ""))
    for key in TEXT_FIELDS:
        if key in row:
            values[key] = " ".join(str(row[key] or "").split())[:100]
    try:
        if "email" in row:
            raw = row["email"]
            values["email"] = email_normalize(raw) if raw not in (None, "") and str(raw).strip() else ""
        if "phone" in row:
            raw = row["phone"]
            values["phone"] = phone_normalize(raw, region=region) if raw not in (None, "") and str(raw).strip() else ""
    except InvalidContactPoint as exc:
        raise RowRejected(exc.message) from exc
    if "gender" in row:
        try:
            values["gender"] = _parse_gender(row["gender"])
        except ValueError as exc:
            raise RowRejected(str(exc)) from exc
    for key in DATE_FIELDS:
        if key in row:
            try:
                values[key] = _parse_date(row[key])
            except ValueError as exc:
                raise RowRejected(str(exc)) from exc
    if "external_ref" in row:
        values["external_ref"] = str(row["external_ref"] or "").strip()[:100]
    for key, value in row.items():
        if key.startswith("custom:"):
            custom[key[7:]] = catalog.clean(key[7:], value)
    contact_id, id_required = row.get("id"), True
    if contact_id in (None, ""):
        contact_id, id_required = row.get("known_id"), False
    if contact_id not in (None, ""):
        try:
            contact_id = int(contact_id)
            if not 0 < contact_id < 2**63:
                raise ValueError(contact_id)
        except (TypeError, ValueError) as exc:
            if id_required:
                raise RowRejected(_("“%(value)s” is not a contact id.") % {"value": contact_id}) from exc
            contact_id = None
    else:
        contact_id = None
    return Clean(
        index=index,
        values=values,
        custom=custom,
        contact_id=contact_id,
        id_required=id_required,
        group_names=tuple(n.strip() for n in row.get("groups") or () if n and str(n).strip()),
        group_ids_add=tuple(int(g) for g in row.get("group_ids_add") or ()),
        group_ids_remove=tuple(int(g) for g in row.get("group_ids_remove") or ()),
    )


# --- matching and applying ----------------------------------------------------------------------------


@dataclass
class _Chunk:
    creates: list[Record] = field(default_factory=list)
    updates: dict[int, Record] = field(default_factory=dict)
    updated_fields: set[str] = field(default_factory=set)
    new_joins: dict[int, list[Record]] = field(default_factory=dict)
    leaves: dict[int, set[int]] = field(default_factory=dict)
    pending: list[tuple[Clean, Record, str]] = field(default_factory=list)


def _lookup(account: Account, rows: list[Clean]) -> tuple[dict, dict, dict, dict]:
    ids, refs, emails, phones = set(), set(), set(), set()
    for row in rows:
        if row.contact_id:
            ids.add(row.contact_id)
        ref, email, phone = row.keys
        if ref:
            refs.add(ref)
        if email:
            emails.add(email)
        if phone:
            phones.add(phone)
    by_id, by_ref, by_email, by_phone = {}, {}, {}, {}
    for record in records_find(account_id=account.pk, ids=ids, refs=refs, emails=emails, phones=phones):
        by_id[record.pk] = record
        if record.external_ref:
            by_ref.setdefault(record.external_ref, record)
        if record.email:
            by_email.setdefault(record.email, record)
        if record.phone:
            by_phone.setdefault(record.phone, record)
    return by_id, by_ref, by_email, by_phone


def _apply(contact: Record, row: Clean, policy: Policy) -> set[str]:
    changed = set()
    for key, value in row.values.items():
        if policy.avoid_losing_data and value in ("", None):
            continue
        if getattr(contact, key) != value:
            setattr(contact, key, value)
            changed.add(key)
    if row.custom:
        merged = dict(contact.custom or {})
        for key, value in row.custom.items():
            if value is None:
                if policy.avoid_losing_data or key not in merged:
                    continue
                del merged[key]
            elif merged.get(key) != value:
                merged[key] = value
            else:
                continue
            changed.add("custom")
        if "custom" in changed:
            contact.custom = merged
    return changed


def _has_point(contact: Record) -> bool:
    return bool(contact.email or contact.phone)


class _Engine:
    def __init__(self, account: Account, policy: Policy, source: str, groups: list[Group], emit_events: bool):
        self.account = account
        self.policy = policy
        self.source = source
        self.groups = groups
        self.emit_events = emit_events
        self.catalog = FieldCatalog(account)
        self.group_ids_by_name = dict(Group.objects.filter(account=account).values_list("name", "id"))

    def group_id(self, name: str) -> int:
        found = self.group_ids_by_name.get(name)
        if found is None:
            found = Group.objects.get_or_create(account=self.account, name=name[:200])[0].pk
            self.group_ids_by_name[name] = found
        return found

    def prepare(self, raw: list[tuple[int, dict]], chunk: _Prepared | None = None) -> _Prepared:
        """Clean a chunk's rows. Safe to run in another thread while the previous chunk is written."""
        chunk = chunk or _Prepared(raw)
        region, catalog = self.account.default_region, self.catalog
        for index, row in raw:
            try:
                chunk.cleaned.append(_clean_row(index, row, region=region, catalog=catalog))
            except RowRejected as exc:
                chunk.rejected.append((index, row, str(exc)))
            except _NeedsOwnerThread:
                chunk.deferred.append((index, row))
        return chunk

    def run_chunk(self, chunk: _Prepared, result: UpsertResult, keep: bool, on_rejected) -> None:
        if chunk.deferred:
            deferred, chunk.deferred = chunk.deferred, []
            self.prepare(deferred, chunk)
        result.read += len(chunk.raw)
        for index, row, reason in chunk.rejected:
            self._reject(result, keep, on_rejected, index, row, reason)
        if not chunk.cleaned:
            return
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # One writer per account at a time: two imports never create the same contact twice.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7301, self.account.pk])
            self._write_chunk(chunk.cleaned, result, keep, on_rejected, dict(chunk.raw))

    def _reject(self, result, keep, on_rejected, index, row, reason) -> None:
        result.add(RowOutcome(index, Status.REJECTED, None, reason), keep)
        if on_rejected is not None:
            on_rejected(index, row, reason)

    def _write_chunk(self, rows: list[Clean], result: UpsertResult, keep, on_rejected, raw_by_index) -> None:
        by_id, by_ref, by_email, by_phone = _lookup(self.account, rows)
        valid_group_ids = self._valid_group_ids(rows)
        chunk = _Chunk()
        now = timezone.now()
        for row in rows:
            ref, email, phone = row.keys
            reject = partial(self._reject, result, keep, on_rejected, row.index, raw_by_index[row.index])
            contact = by_id.get(row.contact_id) if row.contact_id is not None else None
            if contact is None and row.contact_id is not None and row.id_required:
                reject(_("No contact with this id."))
                continue
            if contact is None:
                contact = (
                    (by_ref.get(ref) if ref else None)
                    or (by_email.get(email) if email else None)
                    or (by_phone.get(phone) if phone else None)
                )
                if contact is not None and ref and contact.external_ref and contact.external_ref != ref:
                    contact = None  # same phone or email, another record of the source (one parent, two children)
            owner_of_ref = by_ref.get(ref) if ref else None
            if owner_of_ref is not None and owner_of_ref is not contact:
                reject(_("The reference “%(ref)s” belongs to another contact.") % {"ref": ref})
                continue
            if contact is None:
                if not self.policy.add_new:
                    reject(_("Not an existing contact, and adding new contacts is off."))
                    continue
                contact = Record(source=self.source, created_at=now, updated_at=now)
                _apply(contact, row, Policy())
                if not _has_point(contact):
                    reject(_("A contact needs a mobile phone or an email."))
                    continue
                chunk.creates.append(contact)
                status = Status.NEW
            elif self.policy.update_existing:
                before = (contact.email, contact.phone)
                changed = _apply(contact, row, self.policy)
                if not _has_point(contact):  # never leave a contact without a way to reach it
                    contact.email, contact.phone = before
                    changed -= {"email", "phone"}
                status = Status.UPDATED if changed else Status.UNCHANGED
                if changed and contact.pk is not None:  # contacts created in this chunk are inserted as they end up
                    contact.updated_at = now
                    chunk.updates[contact.pk] = contact
                    chunk.updated_fields |= changed | {"updated_at"}
            else:
                status = Status.UNCHANGED
            for key, index in ((contact.external_ref, by_ref), (contact.email, by_email), (contact.phone, by_phone)):
                if key:
                    index.setdefault(key, contact)
            chunk.pending.append((row, contact, status))
            wanted = {g.pk for g in self.groups} | {self.group_id(n) for n in row.group_names}
            wanted |= {g for g in row.group_ids_add if g in valid_group_ids}
            for group_id in wanted:
                chunk.new_joins.setdefault(group_id, []).append(contact)
            for group_id in row.group_ids_remove:
                if group_id in valid_group_ids and contact.pk is not None:
                    chunk.leaves.setdefault(group_id, set()).add(contact.pk)
        self._flush(chunk, result, keep)

    def _valid_group_ids(self, rows: list[Clean]) -> set[int]:
        asked = {g for row in rows for g in (*row.group_ids_add, *row.group_ids_remove)}
        if not asked:
            return set()
        return set(Group.objects.filter(account=self.account, pk__in=asked).values_list("pk", flat=True))

    def _flush(self, chunk: _Chunk, result: UpsertResult, keep: bool) -> None:
        records_insert(account_id=self.account.pk, records=chunk.creates)
        records_update(account_id=self.account.pk, records=chunk.updates.values(), fields=chunk.updated_fields)
        joined = self._join(chunk)
        left = self._leave(chunk)
        for row, contact, status in chunk.pending:
            result.add(RowOutcome(row.index, status, contact.pk), keep)
        if self.emit_events:
            events = []
            if chunk.creates:
                events.append((EventKind.CONTACT_CREATED, {"contact_ids": [c.pk for c in chunk.creates]}))
            if chunk.updates:
                events.append(
                    (
                        EventKind.CONTACT_UPDATED,
                        {"contact_ids": sorted(chunk.updates), "fields": sorted(chunk.updated_fields)},
                    )
                )
            events += [(EventKind.GROUP_JOINED, {"group_id": g, "contact_ids": ids}) for g, ids in joined.items()]
            events += [(EventKind.GROUP_LEFT, {"group_id": g, "contact_ids": ids}) for g, ids in left.items()]
            for _kind, payload in events:
                payload["source"] = self.source
            events_emit_many(account=self.account, events=events)

    def _join(self, chunk: _Chunk) -> dict[int, list[int]]:
        joined: dict[int, list[int]] = {}
        for group_id, contacts in chunk.new_joins.items():
            fresh = memberships_add(
                account=self.account, group_id=group_id, contact_ids={c.pk for c in contacts}, source=self.source
            )
            if fresh:
                joined[group_id] = fresh
        return joined

    def _leave(self, chunk: _Chunk) -> dict[int, list[int]]:
        left: dict[int, list[int]] = {}
        for group_id, ids in chunk.leaves.items():
            gone = sorted(
                GroupMembership.objects.filter(group_id=group_id, contact_id__in=ids).values_list(
                    "contact_id", flat=True
                )
            )
            GroupMembership.objects.filter(group_id=group_id, contact_id__in=gone).delete()
            if gone:
                left[group_id] = gone
        return left


def memberships_add(*, account: Account, group_id: int, contact_ids: set[int], source: str) -> list[int]:
    """Join contacts to a group; returns the ids that were not members before (one query to find them)."""
    existing = set(
        GroupMembership.objects.filter(group_id=group_id, contact_id__in=contact_ids).values_list(
            "contact_id", flat=True
        )
    )
    fresh = sorted(contact_ids - existing)
    now = timezone.now()
    GroupMembership.objects.bulk_create(
        [
            GroupMembership(account=account, group_id=group_id, contact_id=cid, joined_at=now, source=source)
            for cid in fresh
        ],
        ignore_conflicts=True,
        batch_size=CHUNK_SIZE,
    )
    return fresh


def _prepared_chunks(engine: _Engine, rows: Iterable[dict], size: int) -> Iterator[_Prepared]:
    """Chunks read and cleaned one ahead, in a second thread, while the engine writes the one before.

    Cleaning is Python work and writing mostly waits on PostgreSQL, so the two overlap on two cores.
    A short input (one chunk) never starts the thread.
    """
    numbered = enumerate(rows, start=1)
    first = list(islice(numbered, size))
    if not first:
        return
    yield engine.prepare(first)
    if len(first) < size:
        return
    language = translation.get_language()

    def read_ahead() -> _Prepared | None:
        with translation.override(language):  # reasons are written in the caller's language
            batch = list(islice(numbered, size))
            return engine.prepare(batch) if batch else None

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="contacts-upsert") as pool:
        pending = pool.submit(read_ahead)
        while (chunk := pending.result()) is not None:
            pending = pool.submit(read_ahead)
            yield chunk


def contacts_upsert(
    *,
    account: Account,
    rows: Iterable[dict],
    policy: Policy = Policy(),
    source: str,
    groups: Iterable[Group] = (),
    emit_events: bool = True,
    keep_outcomes: bool = False,
    on_rejected: Callable[[int, dict, str], None] | None = None,
    on_progress: Callable[[UpsertResult], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> UpsertResult:
    """Create or update contacts from `rows`, chunk by chunk; each chunk commits on its own.

    `groups` are joined by every accepted row. Rows are numbered from 1 in outcomes.
    """
    groups = list(groups)
    for group in groups:
        if group.account_id != account.pk:
            raise ValueError("group of another account")
    engine = _Engine(account, policy, source, groups, emit_events)
    result = UpsertResult()
    for number, chunk in enumerate(_prepared_chunks(engine, rows, chunk_size), start=1):
        engine.run_chunk(chunk, result, keep_outcomes, on_rejected)
        if number & (number - 1) == 0 and result.new >= 10 * chunk_size:
            statistics_refresh()  # a large load: keep the planner's idea of the table current
        if on_progress is not None:
            on_progress(result)
    result.outcomes.sort(key=lambda outcome: outcome.index)
    return result
