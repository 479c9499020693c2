"""Set-based reads and writes of contact rows for the upsert engine.

PostgreSQL gets the fast path (one `= ANY` lookup, COPY for inserts, one
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


def _postgres() -> bool:
    return connection.vendor == "postgresql"


READ_COLUMNS = COLUMNS[:10]  # what matching and comparing need; timestamps and source are only written


def records_find(*, account_id: int, ids: set, refs: set, emails: set, phones: set) -> list[Record]:
    """Every contact of the account matching any of the keys, oldest first."""
    if not (ids or refs or emails or phones):
        return []
    if _postgres():
        keys = [("id = ANY(%s)", ids), ("(external_ref = ANY(%s) AND external_ref <> '')", refs)]
        keys += [("email = ANY(%s)", emails), ("phone = ANY(%s)", phones)]
        present = [(condition, list(values)) for condition, values in keys if values]
        where = " OR ".join(condition for condition, _ in present)
        sql = (
            f"SELECT id, {', '.join(READ_COLUMNS)} FROM contacts_contact "
            f"WHERE account_id = %s AND ({where}) ORDER BY id"
        )
        params = [account_id, *(values for _, values in present)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [Record(row[0], **dict(zip(READ_COLUMNS, row[1:], strict=True))) for row in cursor.fetchall()]
    query = Q(pk__in=ids) | Q(external_ref__in=refs) | Q(email__in=emails) | Q(phone__in=phones)
    rows = Contact.objects.filter(query, account_id=account_id).order_by("id").values_list("id", *READ_COLUMNS)
    return [Record(row[0], **dict(zip(READ_COLUMNS, row[1:], strict=True))) for row in rows]


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
            for r in records:
                copy.write_row(
                    (
                        r.pk,
                        account_id,
                        r.first_name,
                        r.last_name,
                        r.email,
                        r.phone,
                        r.gender,
                        r.birth_date,
                        r.additional_date,
                        r.registration_date,
                        r.external_ref,
                        json.dumps(r.custom, ensure_ascii=False),
                        r.source,
                        r.created_at,
                        r.updated_at,
                    )
                )


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
