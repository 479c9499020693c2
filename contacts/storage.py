"""Set-based reads and writes of contact rows for the upsert engine.

PostgreSQL gets the fast path (index probes joined on the keys, COPY for inserts, one
`UPDATE … FROM unnest` for updates); other databases use the ORM's bulk calls.
"""

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q

from .models import Contact

COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "gender",
    "birth_date",
    "additional_date",
    "registration_date",
    "external_ref",
    "custom",
    "source",
    "created_at",
    "updated_at",
)
PG_TYPES = {
    "birth_date": "date",
    "additional_date": "date",
    "registration_date": "date",
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


def _postgres() -> bool:
    return connection.vendor == "postgresql"


READ_COLUMNS = COLUMNS[:10]  # what matching and comparing need; timestamps and source are only written


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


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    """A value in COPY's text format (the format PostgreSQL reads fastest)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return value.isoformat()


def _copy_lines(account_id: int, records: list[Record]) -> Iterable[str]:
    account = str(account_id)
    stamps: dict = {}  # a chunk shares a handful of timestamps: format each once
    for r in records:
        created = stamps.get(r.created_at) or stamps.setdefault(r.created_at, _copy_value(r.created_at))
        updated = stamps.get(r.updated_at) or stamps.setdefault(r.updated_at, _copy_value(r.updated_at))
        yield "\t".join(
            (
                str(r.pk),
                account,
                r.first_name.translate(_COPY_ESCAPES),
                r.last_name.translate(_COPY_ESCAPES),
                r.email.translate(_COPY_ESCAPES),
                r.phone.translate(_COPY_ESCAPES),
                r.gender.translate(_COPY_ESCAPES),
                _copy_value(r.birth_date),
                _copy_value(r.additional_date),
                _copy_value(r.registration_date),
                r.external_ref.translate(_COPY_ESCAPES),
                json.dumps(r.custom, ensure_ascii=False).translate(_COPY_ESCAPES) if r.custom else "{}",
                r.source.translate(_COPY_ESCAPES),
                created,
                updated,
            )
        )


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
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('contacts_contact', 'id')) FROM generate_series(1, %s)",
            [len(records)],
        )
        for record, (pk,) in zip(records, cursor.fetchall(), strict=True):
            record.pk = pk
        columns = ", ".join(("id", "account_id", *COLUMNS))
        with cursor.copy(f"COPY contacts_contact ({columns}) FROM STDIN") as copy:
            copy.write("\n".join(_copy_lines(account_id, records)) + "\n")


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


def statistics_refresh() -> None:
    """ANALYZE the contacts table, so lookups keep using their indexes while a big import grows it."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE contacts_contact")
