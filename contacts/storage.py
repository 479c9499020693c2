"""Set-based reads and writes of contact rows for the upsert engine.

PostgreSQL gets the fast path (index probes joined on the keys, COPY for inserts, one
`UPDATE … FROM unnest` for updates); other databases use the ORM's bulk calls.
"""

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import Q

from . import schema
from .models import Contact, Group, GroupMembership

# The built-in fields' columns (the schema's, in its order), then the rest of a contact row. `_record_of`,
# `record_new` and `_CopyRows` spell the columns out for speed; tests/contacts/test_schema.py holds them equal.
COLUMNS = (*schema.columns(), "custom", "source", "created_at", "updated_at")
PG_TYPES = {
    **{f.column: "date" for f in schema.fields() if f.kind == schema.Kind.DATE},
    "custom": "jsonb",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
}


class Record:
    """A contact row as the engine sees it: plain attributes, no model machinery."""

    __slots__ = ("pk", *COLUMNS)

    def __init__(self, pk=None, **values):
        self.pk = pk
        for name in COLUMNS:
            setattr(self, name, values.get(name, "" if name not in PG_TYPES else None))
        if self.custom is None:
            self.custom = {}
        elif isinstance(self.custom, str):  # Django has psycopg hand jsonb over as text
            self.custom = json.loads(self.custom)


def _record_of(row: tuple) -> Record:
    """A Record from a row of `id, *READ_COLUMNS` (the hot path of every lookup: no per-field loop)."""
    record = Record.__new__(Record)
    (
        record.pk,
        record.first_name,
        record.last_name,
        record.email,
        record.phone,
        record.gender,
        record.birth_date,
        record.additional_date,
        record.registration_date,
        record.external_ref,
        custom,
    ) = row
    if isinstance(custom, str):  # Django has psycopg hand jsonb over as text
        custom = json.loads(custom) if custom != "{}" else {}
    record.custom = custom or {}
    record.source, record.created_at, record.updated_at = "", None, None
    return record


def record_new(source: str, now) -> Record:
    """A contact not yet stored, with every field empty."""
    record = Record.__new__(Record)
    record.pk = None
    record.first_name = record.last_name = record.email = record.phone = record.gender = ""
    record.birth_date = record.additional_date = record.registration_date = None
    record.external_ref = ""
    record.custom = {}
    record.source, record.created_at, record.updated_at = source, now, now
    return record


def _postgres() -> bool:
    return connection.vendor == "postgresql"


READ_COLUMNS = (*schema.columns(), "custom")  # what matching and comparing need; the rest is only written


_KEY_COLUMNS = (("id", "bigint"), ("external_ref", "text"), ("email", "text"), ("phone", "text"))


def records_find(*, account_id: int, ids: set, refs: set, emails: set, phones: set) -> list[Record]:
    """Every contact of the account matching any of the keys, oldest first."""
    if not (ids or refs or emails or phones):
        return []
    if _postgres():
        # One index probe per key, whatever the statistics say. Left to itself, the planner trusts statistics
        # taken while the account was small and walks the whole account for each key once an import has grown
        # it. OFFSET 0 keeps the nested loop; `account_id + 0` leaves the key's own index as the only way in.
        selects, params = [], []
        for (column, pg_type), values in zip(_KEY_COLUMNS, (ids, refs, emails, phones), strict=True):
            if values:
                extra = " AND external_ref <> ''" if column == "external_ref" else ""
                selects.append(  # the keys travel as one JSON text: far cheaper to send than an array
                    f"SELECT c.* FROM jsonb_array_elements_text(%s::jsonb) AS k(t) CROSS JOIN LATERAL ("
                    f"SELECT id, {', '.join(READ_COLUMNS)} FROM contacts_contact "
                    f"WHERE {column} = k.t::{pg_type}{extra} AND account_id + 0 = %s OFFSET 0) AS c"
                )
                params += [json.dumps(list(values), ensure_ascii=False), account_id]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            found = {row[0]: row for row in cursor.fetchall()}
        return [_record_of(found[pk]) for pk in sorted(found)]
    query = Q(pk__in=ids) | Q(external_ref__in=refs) | Q(email__in=emails) | Q(phone__in=phones)
    rows = Contact.objects.filter(query, account_id=account_id).order_by("id").values_list("id", *READ_COLUMNS)
    return [_record_of(row) for row in rows]


_json_text = json.JSONEncoder(ensure_ascii=False).encode
_NEXT_IDS = "SELECT nextval(pg_get_serial_sequence('contacts_contact', 'id')) FROM generate_series(1, %s)"
_COPY = f"COPY contacts_contact ({', '.join(('id', 'account_id', *COLUMNS))}) FROM STDIN"


class _CopyRows:
    """Records as rows for COPY; psycopg formats them in C."""

    def __init__(self, account_id: int):
        self.account_id = account_id
        self.customs: dict = {}  # custom values repeat (a segment, a size): each distinct set is encoded once
        self.stamps: dict = {}  # and a chunk shares a timestamp or two: each is formatted once

    def __call__(self, r: Record) -> tuple:
        custom, stamps = r.custom, self.stamps
        if custom:
            try:
                key = tuple(custom.items())
                text = self.customs.get(key) or self.customs.setdefault(key, _json_text(custom))
            except TypeError:  # a list or an object in a value
                text = _json_text(custom)
        else:
            text = "{}"
        created = stamps.get(r.created_at) or stamps.setdefault(r.created_at, r.created_at.isoformat())
        updated = stamps.get(r.updated_at) or stamps.setdefault(r.updated_at, r.updated_at.isoformat())
        return (
            r.pk,
            self.account_id,
            r.first_name,
            r.last_name,
            r.email,
            r.phone,
            r.gender,
            r.birth_date,
            r.additional_date,
            r.registration_date,
            r.external_ref,
            text,
            r.source,
            created,
            updated,
        )


class IdPool:
    """Contact ids taken from the sequence ahead of use, so new contacts can be written as they are made.

    Ids left at the end of a run are never used (a gap in the numbering, as a rolled-back insert leaves).
    """

    def __init__(self):
        self.free: deque[int] = deque()

    def reserve(self, count: int) -> None:
        missing = count - len(self.free)
        if missing > 0 and _postgres():
            with connection.cursor() as cursor:
                cursor.execute(_NEXT_IDS, [missing])
                self.free.extend(pk for (pk,) in cursor.fetchall())

    def take(self) -> int | None:
        return self.free.popleft() if self.free else None


@contextmanager
def records_inserting(*, account_id: int, ids: IdPool) -> Iterator[Callable[[Record], None]]:
    """Yields `insert(record)`, which writes a new contact at once while ids from `ids` last.

    On PostgreSQL one COPY stays open meanwhile, so the server stores the contacts while the caller goes on;
    the database takes no other statement until the block ends. A record must be final when inserted: change
    it later with `records_update`. Contacts past the reserved ids, and all of them on other databases, are
    inserted as the block ends, with their state then.
    """
    later: list[Record] = []
    if not _postgres() or not ids.free:
        yield later.append
    else:
        with connection.cursor() as cursor, cursor.copy(_COPY) as copy:
            write_row, row_of, take = copy.write_row, _CopyRows(account_id), ids.take

            def insert(record: Record) -> None:
                pk = take()
                if pk is None:
                    later.append(record)
                else:
                    record.pk = pk
                    write_row(row_of(record))

            yield insert
    records_insert(account_id=account_id, records=later)


# Up to this many new contacts are written by one INSERT … RETURNING id: one round trip, where taking ids and a
# COPY take three (a one-contact API call or form). More go by COPY, which is faster per row.
FEW_RECORDS = 20
_INSERT_COLUMNS = ("account_id", *COLUMNS)
_INSERT_ROW = "(" + ", ".join(f"%s::{PG_TYPES[c]}" if c in PG_TYPES else "%s" for c in _INSERT_COLUMNS) + ")"


def records_insert(*, account_id: int, records: list[Record]) -> None:
    """Insert new contacts and give each record its id."""
    if not records:
        return
    if not _postgres():
        contacts = [Contact(account_id=account_id, **{c: getattr(r, c) for c in COLUMNS}) for r in records]
        Contact.objects.bulk_create(contacts, batch_size=2000)
        for record, contact in zip(records, contacts, strict=True):
            record.pk = contact.pk
        return
    if len(records) <= FEW_RECORDS:
        row_of = _CopyRows(account_id)  # the very values COPY would write, without the id (the column's default)
        sql = (
            f"INSERT INTO contacts_contact ({', '.join(_INSERT_COLUMNS)}) "
            f"VALUES {', '.join([_INSERT_ROW] * len(records))} RETURNING id"  # RETURNING keeps the VALUES order
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for record in records for value in row_of(record)[1:]])
            for record, (pk,) in zip(records, cursor.fetchall(), strict=True):
                record.pk = pk
        return
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_IDS, [len(records)])
        for record, (pk,) in zip(records, cursor.fetchall(), strict=True):
            record.pk = pk
        with cursor.copy(_COPY) as copy:
            write_row, row_of = copy.write_row, _CopyRows(account_id)
            for record in records:
                write_row(row_of(record))


def records_update(*, account_id: int, records: Iterable[Record], fields: set[str]) -> None:
    records = list(records)
    if not records or not fields:
        return
    fields = [c for c in COLUMNS if c in fields]
    if not _postgres():
        contacts = [Contact(pk=r.pk, account_id=account_id, **{f: getattr(r, f) for f in fields}) for r in records]
        Contact.objects.bulk_update(contacts, fields, batch_size=1000)
        return
    arrays = [[r.pk for r in records]]
    selects = ["unnest(%s::bigint[]) AS id"]
    for name in fields:
        pg_type = PG_TYPES.get(name, "text")
        values = [getattr(r, name) for r in records]
        if name == "custom":
            values = [json.dumps(v, ensure_ascii=False) for v in values]
            selects.append(f"unnest(%s::text[])::jsonb AS {name}")
        else:
            selects.append(f"unnest(%s::{pg_type}[]) AS {name}")
        arrays.append(values)
    assignments = ", ".join(f"{name} = v.{name}" for name in fields)
    sql = (
        f"UPDATE contacts_contact AS c SET {assignments} FROM (SELECT {', '.join(selects)}) AS v "
        "WHERE c.id = v.id AND c.account_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*arrays, account_id])


def group_ids_find(*, account_id: int, names: set[str]) -> dict[str, int]:
    """{name: id} of the account's groups among `names` (one query, not the account's every group)."""
    if not names:
        return {}
    if _postgres():
        with connection.cursor() as cursor:
            sql = "SELECT name, id FROM contacts_group WHERE account_id = %s AND name = ANY(%s)"
            cursor.execute(sql, [account_id, list(names)])
            return dict(cursor.fetchall())
    return dict(Group.objects.filter(account_id=account_id, name__in=names).order_by().values_list("name", "id"))


def memberships_insert(*, account_id: int, group_id: int, contact_ids: set[int], joined_at, source: str) -> list[int]:
    """Join contacts to a group; returns the ids that were not members before, sorted.

    On PostgreSQL one statement: the rows that were inserted are those that were not members. Elsewhere a query
    finds the members first.
    """
    if not contact_ids:
        return []
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO contacts_groupmembership (account_id, group_id, contact_id, joined_at, source) "
                "SELECT %s, %s, c, %s, %s FROM unnest(%s::bigint[]) AS c ON CONFLICT DO NOTHING RETURNING contact_id",
                [account_id, group_id, joined_at, source, sorted(contact_ids)],
            )
            return sorted(pk for (pk,) in cursor.fetchall())
    existing = set(
        GroupMembership.objects.filter(group_id=group_id, contact_id__in=contact_ids).values_list(
            "contact_id", flat=True
        )
    )
    fresh = sorted(contact_ids - existing)
    GroupMembership.objects.bulk_create(
        [
            GroupMembership(account_id=account_id, group_id=group_id, contact_id=c, joined_at=joined_at, source=source)
            for c in fresh
        ],
        ignore_conflicts=True,
        batch_size=10000,
    )
    return fresh


def writers_turn(account_id: int) -> int | None:
    """Wait for the account's writers' turn, held to the end of the transaction; returns the turn's number.

    One writer of an account's contacts at a time, so that two never create the same contact twice. The
    numbers follow each other, so a long run sees whether another writer had a turn between two of its own.
    PostgreSQL only (None elsewhere: SQLite lets one writer at a time anyway).
    """
    if not _postgres():
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO contacts_writerturn (account_id, number) VALUES (%s, 1) ON CONFLICT (account_id) "
            "DO UPDATE SET number = contacts_writerturn.number + 1 RETURNING number",
            [account_id],
        )
        return cursor.fetchone()[0]


def account_has_contacts(account_id: int) -> bool:
    return Contact.objects.filter(account_id=account_id).exists()


def statistics_refresh() -> None:
    """ANALYZE the contacts table, so lookups keep using their indexes while a big import grows it."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE contacts_contact")
