"""Matching clean rows to the account's contacts and writing them, chunk by chunk (see the package's doc).

Each chunk is one transaction in its writer's turn (storage.writers_turn); the chunks after it are read
and cleaned in a second process meanwhile (`ahead`).
"""

import gc
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from itertools import islice

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from automations.services import EventKind, events_emit_many
from marketing.accounts.models import Account
from marketing.core.texts import stored

from ..models import Group, GroupMembership
from ..storage import (
    IdPool,
    Record,
    account_has_contacts,
    group_ids_find,
    memberships_insert,
    record_new,
    records_find,
    records_inserting,
    records_update,
    statistics_refresh,
    writers_turn,
)
from .ahead import Prepared, ReadAhead
from .cleaning import LEGACY_SLOTS, Clean, FieldCatalog, NeedsDatabase, clean_rows

CHUNK_SIZE = 10000
# An input this short (an API call, a form) skips what only pays off on a large one: asking whether the account
# has contacts yet (to match a first import only against the keys it wrote), and looking phones up apart from the
# other keys. The outcome is the same either way (tests/contacts/test_upsert_few_rows.py).
FEW_ROWS = 20


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
    # False: a row matches a contact only by its id or reference, never by email or phone; for a caller
    # that decided itself who is who (the Salesforce sync links each record to exactly one contact).
    match_by_points: bool = True


@dataclass(frozen=True)
class RowOutcome:
    index: int
    status: str
    contact_id: int | None = None
    reason: str = ""  # why it was rejected, stored form (`marketing.core.texts`): `rendered(reason)` to show it


_NO_SUCH_ID = stored(gettext_noop("No contact with this id."))
_ADDING_OFF = stored(gettext_noop("Not an existing contact, and adding new contacts is off."))
_NO_POINT = stored(gettext_noop("A contact needs a mobile phone or an email."))


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


# --- matching and applying ----------------------------------------------------------------------------


@dataclass
class _Chunk:
    creates: list[Record] = field(default_factory=list)
    updates: dict[int, Record] = field(default_factory=dict)
    updated_fields: set[str] = field(default_factory=set)
    event_fields: set[str] = field(default_factory=set)  # changed on contacts that existed before the chunk
    new_joins: dict[int, list[Record]] = field(default_factory=dict)
    leaves: dict[int, set[int]] = field(default_factory=dict)
    pending: list[tuple[Clean, Record, str]] = field(default_factory=list)


class _OwnKeys:
    """The keys this run has written, while every contact of the account is one this run created.

    Set when the account had no contacts as the run began. While no other writer has had a turn since
    (storage.writers_turn), a key this run never wrote belongs to no contact, so only the keys in here are
    looked up. Another writer's turn ends it for the rest of the run. Hashes, not the keys: a hash shared by
    two keys costs one lookup more, never a wrong match.
    """

    def __init__(self):
        self.active: bool | None = None  # None until the first chunk has looked at the account
        self.turn: int | None = None
        self.refs: set[int] = set()
        self.emails: set[int] = set()
        self.phones: set[int] = set()

    def follow(self, account_id: int, turn: int | None) -> None:
        """Called in each chunk's transaction, after its writer's turn was taken."""
        if self.active is None:
            self.active = turn is not None and not account_has_contacts(account_id)
        elif self.active and (turn is None or turn != self.turn + 1):
            self.active = False
            self.refs, self.emails, self.phones = set(), set(), set()
        self.turn = turn

    def known(self, keys: set, written: set[int]) -> set:
        """The keys that may belong to a contact: all of them, or while active, those this run wrote."""
        if not self.active:
            return keys
        return {key for key in keys if hash(key) in written}

    def add(self, records: Iterable[Record]) -> None:
        if not self.active:
            return
        refs, emails, phones = self.refs.add, self.emails.add, self.phones.add
        for record in records:
            if record.external_ref:
                refs(hash(record.external_ref))
            if record.email:
                emails(hash(record.email))
            if record.phone:
                phones(hash(record.phone))


def _lookup(account: Account, rows: list[Clean], own: _OwnKeys, by_points: bool) -> tuple[dict, dict, dict, dict]:
    """The account's contacts the rows can match, indexed by id and by each key (the oldest holder first).

    A row's phone is looked up only when its id, reference or email found no contact: the phone is the
    last key a row is matched by. A few rows are looked up in one query, phones included.
    """
    ids, refs, emails = set(), set(), set()
    for row in rows:
        if row.contact_id:
            ids.add(row.contact_id)
        values = row.values
        ref, email = values.get("external_ref"), values.get("email")
        if ref:
            refs.add(ref)
        if email and by_points:
            emails.add(email)
    refs, emails = own.known(refs, own.refs), own.known(emails, own.emails)
    # A few rows (an API call, a form): the phones go in the same query as the other keys. A contact found by
    # the phone of a row that an earlier key matches is never matched by that phone (matching stops at the
    # first key that finds someone), so the outcome is the same, one round trip sooner.
    at_once = len(rows) <= FEW_ROWS and not own.active
    phones = {row.values["phone"] for row in rows if row.values.get("phone")} if at_once and by_points else set()
    found = {r.pk: r for r in records_find(account_id=account.pk, ids=ids, refs=refs, emails=emails, phones=phones)}
    if not at_once:
        found_refs = {r.external_ref for r in found.values() if r.external_ref}
        found_emails = {r.email for r in found.values() if r.email}
        phones = set()
        for row in rows:
            values = row.values
            phone = values.get("phone")
            if not phone or not by_points or row.contact_id in found:
                continue
            if values.get("external_ref") in found_refs or values.get("email") in found_emails:
                continue
            phones.add(phone)
        phones = own.known(phones, own.phones)
        if phones:
            for record in records_find(account_id=account.pk, ids=set(), refs=set(), emails=set(), phones=phones):
                found.setdefault(record.pk, record)
    by_id, by_ref, by_email, by_phone = {}, {}, {}, {}
    for pk in sorted(found):
        by_id[pk] = found[pk]
        _index(found[pk], by_ref, by_email, by_phone)
    return by_id, by_ref, by_email, by_phone


def _index(record: Record, by_ref: dict, by_email: dict, by_phone: dict) -> None:
    """File the record under each of its keys that no older record holds."""
    if record.external_ref:
        by_ref.setdefault(record.external_ref, record)
    if record.email:
        by_email.setdefault(record.email, record)
    if record.phone:
        by_phone.setdefault(record.phone, record)


def _apply(contact: Record, row: Clean, policy: Policy) -> set[str]:
    changed = set()
    avoid_losing_data = policy.avoid_losing_data
    for key, value in row.values.items():
        if avoid_losing_data and value in ("", None):
            continue
        if getattr(contact, key) != value:
            setattr(contact, key, value)
            changed.add(key)
    if row.custom:
        merged = dict(contact.custom)
        for key, value in row.custom.items():
            if value is None:
                if avoid_losing_data or key not in merged:
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


def _filled(contact: Record, row: Clean) -> Record:
    """A new contact with the row's values."""
    for key, value in row.values.items():
        setattr(contact, key, value)
    custom = row.custom
    if custom:
        contact.custom = custom if None not in custom.values() else {k: v for k, v in custom.items() if v is not None}
    return contact


class _Engine:
    def __init__(
        self,
        account: Account,
        policy: Policy,
        source: str,
        groups: list[Group],
        handle_events: bool,
        actor=None,
        catalog: FieldCatalog | None = None,
    ):
        self.account = account
        self.actor = actor
        self.policy = policy
        self.source = source
        self.groups = groups
        self.handle_events = handle_events
        self.catalog = catalog if catalog is not None else FieldCatalog(account)
        self.group_ids_by_name: dict[str, int] = {}  # the groups rows named so far (not every group of the account)
        self.own = _OwnKeys()
        self.ids = IdPool()
        self.expected_creates = 0  # new contacts the next chunk is likely to have: ids are taken for them ahead

    def group_id(self, name: str) -> int:
        found = self.group_ids_by_name.get(name)
        if found is None:
            from ..services import group_get_or_create  # the services build on this engine

            group = group_get_or_create(account=self.account, actor=self.actor, name=name[:200], source=self.source)
            found = group.pk
            self.group_ids_by_name[name] = found
        return found

    def _groups_find(self, names: set[str]) -> None:
        """Learn the ids of the existing groups among `names`, in one query."""
        self.group_ids_by_name.update(group_ids_find(account_id=self.account.pk, names=names))

    def prepare(self, raw: list[tuple[int, dict]]) -> Prepared:
        """Clean a chunk's rows. Runs in the process reading ahead while the previous chunk is written."""
        try:
            cleaned, rejected = clean_rows(raw, region=self.account.default_region, catalog=self.catalog)
        except NeedsDatabase:
            return Prepared(dict(raw), len(raw), [], [], deferred=True)
        return Prepared(dict(raw), len(raw), cleaned, rejected)

    def refusable(self, row: Clean) -> bool:
        """Whether matching may still refuse the row (its id, its reference, no contact point, or no adding)."""
        values = row.values
        return (
            row.contact_id is not None
            or bool(values.get("external_ref"))
            or not (values.get("email") or values.get("phone"))
            or not self.policy.add_new
        )

    def run_chunk(self, chunk: Prepared, result: UpsertResult, keep: bool, on_rejected) -> None:
        if chunk.deferred:
            chunk = self.prepare(list(chunk.rows.items()))
        result.read += chunk.count
        for index, row, reason in chunk.rejected:
            self._reject(result, keep, on_rejected, index, row, reason)
        if not chunk.cleaned:
            return
        with transaction.atomic():
            # One writer per account at a time: two writers never create the same contact twice.
            turn = writers_turn(self.account.pk)
            if self.own.turn is not None and turn != self.own.turn + 1:
                self.ids.free.clear()  # another writer came between: ids taken before its contacts' stay unused
            self.own.follow(self.account.pk, turn)
            if self.own.active and self.expected_creates == 0 and result.read == chunk.count:
                self.expected_creates = chunk.count  # the first chunk into an empty account: nearly all new
            self._write_chunk(chunk.cleaned, result, keep, on_rejected, chunk)

    def _reject(self, result, keep, on_rejected, index, row, reason) -> None:
        result.add(RowOutcome(index, Status.REJECTED, None, reason), keep)
        if on_rejected is not None:
            on_rejected(index, row, reason)

    def _write_chunk(self, rows: list[Clean], result: UpsertResult, keep, on_rejected, prepared: Prepared) -> None:
        found = _lookup(self.account, rows, self.own, self.policy.match_by_points)
        by_ref, by_email, by_phone = found[1:]
        valid_group_ids = self._valid_group_ids(rows)
        base_groups = {g.pk for g in self.groups}
        chunk = _Chunk()
        creates, updates, updated_fields, pending = chunk.creates, chunk.updates, chunk.updated_fields, chunk.pending
        new_joins = chunk.new_joins
        made: set[int] = set()  # the contacts this chunk creates (by object: not all have an id while matching)
        now = timezone.now()
        match = partial(self._match, found=found, now=now)
        names = {name for row in rows for name in row.group_names}
        self._groups_find(names - self.group_ids_by_name.keys())
        for name in names:
            self.group_id(name)  # groups named by the rows exist before the new contacts are streamed in
        self.ids.reserve(min(len(rows), self.expected_creates))
        with records_inserting(account_id=self.account.pk, ids=self.ids) as insert:
            for row in rows:
                contact, status, changed = match(row)
                if contact is None:
                    self._reject(result, keep, on_rejected, row.index, prepared.rows[row.index], status)
                    continue
                if status is Status.NEW:
                    creates.append(contact)
                    made.add(id(contact))
                    insert(contact)
                elif changed and contact.pk is not None:  # one made earlier in the chunk and not yet stored is
                    contact.updated_at = now  # stored as it ends up
                    updates[contact.pk] = contact
                    updated_fields |= changed
                    if id(contact) not in made:
                        chunk.event_fields |= changed
                _index(contact, by_ref, by_email, by_phone)
                pending.append((row, contact, status))
                wanted = base_groups
                if row.group_names or row.group_ids_add:
                    wanted = base_groups | {self.group_id(n) for n in row.group_names}
                    wanted |= {g for g in row.group_ids_add if g in valid_group_ids}
                for group_id in wanted:
                    joining = new_joins.get(group_id)
                    if joining is None:
                        joining = new_joins[group_id] = []
                    joining.append(contact)
                for group_id in row.group_ids_remove:  # a contact this chunk made has no group to leave yet
                    if group_id in valid_group_ids and id(contact) not in made:
                        chunk.leaves.setdefault(group_id, set()).add(contact.pk)
        self.expected_creates = len(creates)
        if updates:
            updated_fields.add("updated_at")
        self._flush(chunk, result, keep)

    def _match(self, row: Clean, *, found: tuple[dict, dict, dict, dict], now) -> tuple:
        """(contact, status, changed fields) for the row, or (None, the reason it is refused, None)."""
        by_id, by_ref, by_email, by_phone = found
        values = row.values
        ref, email, phone = values.get("external_ref"), values.get("email"), values.get("phone")
        contact = by_id.get(row.contact_id) if row.contact_id is not None else None
        if contact is None and row.contact_id is not None and row.id_required:
            return None, _NO_SUCH_ID, None
        if contact is None:
            by_points = self.policy.match_by_points
            contact = (
                (by_ref.get(ref) if ref else None)
                or (by_email.get(email) if email and by_points else None)
                or (by_phone.get(phone) if phone and by_points else None)
            )
            if contact is not None and ref and contact.external_ref and contact.external_ref != ref:
                contact = None  # same phone or email, another record of the source (one parent, two children)
        owner_of_ref = by_ref.get(ref) if ref else None
        if owner_of_ref is not None and owner_of_ref is not contact:
            return None, stored(gettext_noop("The reference “%(ref)s” belongs to another contact."), ref=ref), None
        if contact is None:
            if not self.policy.add_new:
                return None, _ADDING_OFF, None
            contact = _filled(record_new(self.source, now), row)
            if not (contact.email or contact.phone):
                return None, _NO_POINT, None
            return contact, Status.NEW, None
        if not self.policy.update_existing:
            return contact, Status.UNCHANGED, None
        before = (contact.email, contact.phone)
        changed = _apply(contact, row, self.policy)
        if not (contact.email or contact.phone):  # never leave a contact without a way to reach it
            contact.email, contact.phone = before
            changed -= {"email", "phone"}
        return contact, Status.UPDATED if changed else Status.UNCHANGED, changed

    def _valid_group_ids(self, rows: list[Clean]) -> set[int]:
        asked = {g for row in rows for g in (*row.group_ids_add, *row.group_ids_remove)}
        if not asked:
            return set()
        return set(Group.objects.filter(account=self.account, pk__in=asked).values_list("pk", flat=True))

    def _flush(self, chunk: _Chunk, result: UpsertResult, keep: bool) -> None:
        records_update(account_id=self.account.pk, records=chunk.updates.values(), fields=chunk.updated_fields)
        self.own.add(chunk.creates)
        self.own.add(chunk.updates.values())
        joined = self._join(chunk)
        left = self._leave(chunk)
        if keep:
            for row, contact, status in chunk.pending:
                result.add(RowOutcome(row.index, status, contact.pk), keep)
        else:
            for status, count in Counter(status for _row, _contact, status in chunk.pending).items():
                setattr(result, status, getattr(result, status) + count)
        # Always written: other features (the Salesforce sync) react to them; handle_events=False only says
        # that no automation starts from them.
        events = []
        if chunk.creates:
            events.append((EventKind.CONTACT_CREATED, {"contact_ids": [c.pk for c in chunk.creates]}))
        updated = sorted(set(chunk.updates) - {c.pk for c in chunk.creates}) if chunk.updates else []
        if updated:  # a contact both made and changed in the chunk is only "created"
            fields = sorted(chunk.event_fields | {"updated_at"})
            events.append((EventKind.CONTACT_UPDATED, {"contact_ids": updated, "fields": fields}))
        events += [(EventKind.GROUP_JOINED, {"group_id": g, "contact_ids": ids}) for g, ids in joined.items()]
        events += [(EventKind.GROUP_LEFT, {"group_id": g, "contact_ids": ids}) for g, ids in left.items()]
        for _kind, payload in events:
            payload["source"] = self.source
            if not self.handle_events:
                payload["handle_events"] = False
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
    """Join contacts to a group; returns the ids that were not members before (one statement on PostgreSQL)."""
    return memberships_insert(
        account_id=account.pk, group_id=group_id, contact_ids=set(contact_ids), joined_at=timezone.now(), source=source
    )


def _prepared_chunks(engine: _Engine, rows: Iterable[dict], size: int) -> Iterator[Prepared]:
    """The rows in cleaned chunks. Past the first chunk, a second process reads and cleans ahead (`ahead`),
    starting while the first chunk is cleaned and written here; a short input (one chunk) never starts it."""
    numbered = enumerate(rows, start=1)
    first = list(islice(numbered, size))
    if not first:
        return
    if len(first) < size:
        if len(first) <= FEW_ROWS:
            engine.own.active = False  # every key is looked up: the same matches, without first asking
        yield engine.prepare(first)
        return
    # A large input allocates millions of short-lived objects and no reference cycles: the cyclic collector
    # would spend a third of the time walking them. It is back on when the last chunk is written.
    collecting = gc.isenabled()
    gc.disable()
    try:
        if not hasattr(os, "fork"):
            yield engine.prepare(first)
            while batch := list(islice(numbered, size)):
                yield engine.prepare(batch)
            return
        slots = {key[7:] for _index, row in first for key in row if key.startswith("custom:")} & set(LEGACY_SLOTS)
        if slots - set(engine.catalog.by_name):
            # The first chunk may create a legacy slot: the other process must know it, so it starts after.
            prepared = engine.prepare(first)
            ahead = ReadAhead(engine.prepare, engine.refusable, engine.catalog, numbered, size)
        else:
            ahead = ReadAhead(engine.prepare, engine.refusable, engine.catalog, numbered, size)
            prepared = engine.prepare(first)
        try:
            yield prepared
            yield from ahead
        finally:
            ahead.close()
    finally:
        if collecting:
            gc.enable()


def contacts_upsert(
    *,
    account: Account,
    rows: Iterable[dict],
    policy: Policy = Policy(),
    source: str,
    groups: Iterable[Group] = (),
    handle_events: bool = True,
    keep_outcomes: bool = False,
    on_rejected: Callable[[int, dict, str], None] | None = None,
    on_progress: Callable[[UpsertResult], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
    actor=None,
    catalog: FieldCatalog | None = None,
) -> UpsertResult:
    """Create or update contacts from `rows`, chunk by chunk; each chunk commits on its own.

    `groups` are joined by every accepted row. Rows are numbered from 1 in outcomes. `actor` (a User, an
    ApiToken or None) is recorded on the groups the rows create by name. Events are always written;
    `handle_events=False` marks them so that no automation starts from them. `catalog`: the account's custom
    fields when the caller has read them already.
    """
    groups = list(groups)
    for group in groups:
        if group.account_id != account.pk:
            raise ValueError("group of another account")
    if catalog is not None and catalog.account.pk != account.pk:
        raise ValueError("field catalog of another account")
    engine = _Engine(account, policy, source, groups, handle_events, actor, catalog)
    result = UpsertResult()
    chunks = _prepared_chunks(engine, rows, chunk_size)
    with closing(chunks):  # a failed chunk stops the reading process at once
        for number, chunk in enumerate(chunks, start=1):
            engine.run_chunk(chunk, result, keep_outcomes, on_rejected)
            if number & (number - 1) == 0 and result.new >= 10 * chunk_size and not engine.own.active:
                statistics_refresh()  # a large load: keep the planner's idea of the table current
            if on_progress is not None:
                on_progress(result)
    result.outcomes.sort(key=lambda outcome: outcome.index)
    return result
