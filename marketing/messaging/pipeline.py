"""The send pipeline's first half (DESIGN §2.3): audience → suppression → duplicate filter → personalization →
credits, ending in one recipient row per contact point, set-based.

    message_prepare(message=message)   # writes the rows once; running it again does nothing

One query walks the audience (groups in, groups out) ordered by contact point, through one server-side cursor,
with each point's suppression as a column and each placeholder's value already formatted by the database (the
few values SQL can't format like `value_formatter` are finished in Python). Python renders each SMS once (to
count its segments, and to tell apart duplicates that differ when they are allowed) and writes the rows as
COPY text a page at a time; the credits the queued rows need are reserved under a lock of the account row, so
two sends never spend the same credit.

On SQLite (the embedded run) the same loop writes the same rows: the audience is read with plain SQL and its
values formatted by `value_formatter`, and each page of COPY text is read back into `bulk_create`.
"""

import json
import re
from collections.abc import Iterator
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, JSONField, OuterRef, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext

from contacts import schema
from contacts.models import Channel, Contact, GroupMembership, Suppression
from marketing.accounts.models import Account

from .models import Message, Recipient
from .personalize import Template, _formatted, placeholder_names, template_compile, value_formatter
from .segments import sms_segments

Skip = Recipient.Skip
BATCH = 5000


def sms_opt_out_line(account: Account) -> str:
    """The refusal line every marketing SMS ends with (Israeli law §30A), in the account's language."""
    with translation.override(account.language):
        return gettext("Reply STOP to opt out")


def message_templates(message: Message) -> dict[str, Template]:
    """The message's texts compiled against the account's fields: "body", and "subject" for email."""
    names = placeholder_names(message.account)
    if message.channel == Channel.SMS:
        body = f"{message.body}\n{sms_opt_out_line(message.account)}"
        return {"body": template_compile(body, names=names)}
    return {
        "subject": template_compile(message.subject, names=names),
        "body": template_compile(message.body, names=names, html=True),
    }


def message_keys(templates: dict[str, Template]) -> tuple[str, ...]:
    """The fields a message reads, in the order a recipient row keeps their values."""
    return tuple(dict.fromkeys(k for t in templates.values() for k in t.keys))


def audience(message: Message):
    """The contacts in the message's groups and not in its excluded groups that have a point on its channel,
    by point then id, with `suppressed` for points unsubscribed on this channel."""
    point = "phone" if message.channel == Channel.SMS else "email"
    members = GroupMembership.objects.filter(account_id=message.account_id, contact=OuterRef("pk"))
    contacts = (
        Contact.objects.filter(account_id=message.account_id)
        .exclude(**{point: ""})
        .filter(Exists(members.filter(group_id__in=message.group_ids)))
    )
    if message.exclude_group_ids:
        contacts = contacts.exclude(Exists(members.filter(group_id__in=message.exclude_group_ids)))
    suppressed = Suppression.objects.filter(
        account_id=message.account_id, channel=message.channel, point=OuterRef(point)
    )
    return contacts.annotate(suppressed=Exists(suppressed)).order_by(point, "pk"), point


def _point_valid(channel: str, point: str) -> bool:
    if channel == Channel.SMS:
        return point.startswith("+") and point[1:].isdigit()
    return "@" in point


_TABLE = Contact._meta.db_table


def _value_columns(account: Account, keys: tuple[str, ...]) -> tuple[dict, dict[int, str]]:
    """Per field key, SQL giving the text a message shows (as `value_formatter` does), so the usual fields cost
    no Python per row. Where SQL can't tell the same text, `v<i>` is null and `raw<i>` is finished in Python:
    {i: kind} of those."""
    kinds = {f.key: f.kind for f in schema.account_fields(account)}
    with translation.override(account.language):
        gender_labels = {value: str(label) for value, label in schema.Gender.choices}
    columns, finished_in_python = {}, {}
    for i, key in enumerate(keys):
        kind = "gender" if key == "gender" else kinds.get(key, "text")
        if key.startswith(schema.CUSTOM_PREFIX):
            name = [key[len(schema.CUSTOM_PREFIX) :]]
            item = f'"{_TABLE}"."custom" -> %s'
            finished_in_python[i] = kind
            if kind in (schema.Kind.DATE, schema.Kind.NUMBER):
                columns[f"v{i}"] = RawSQL("NULL::text", [], output_field=TextField())
                columns[f"raw{i}"] = RawSQL(item, name, output_field=JSONField())
                continue
            kind_sql = f"COALESCE(jsonb_typeof({item}), 'null')"
            columns[f"v{i}"] = RawSQL(
                f"CASE {kind_sql} WHEN 'string' THEN {item} #>> '{{}}' WHEN 'null' THEN '' END",
                name * 2,
                output_field=TextField(),
            )
            columns[f"raw{i}"] = RawSQL(
                f"CASE WHEN {kind_sql} NOT IN ('string', 'null') THEN {item} END", name * 2, output_field=JSONField()
            )
            continue
        column = f'"{_TABLE}"."{Contact._meta.get_field(key).column}"'
        if kind == schema.Kind.DATE:
            columns[f"v{i}"] = RawSQL(f"COALESCE(to_char({column}, 'DD/MM/YYYY'), '')", [], output_field=TextField())
        elif kind == "gender":
            cases = " ".join("WHEN %s THEN %s" for _ in gender_labels)
            params = [x for pair in gender_labels.items() for x in pair]
            columns[f"v{i}"] = RawSQL(f"CASE {column} {cases} ELSE {column} END", params, output_field=TextField())
        elif kind in (schema.Kind.TEXT, schema.Kind.EMAIL, schema.Kind.PHONE, schema.Kind.CHOICE):
            columns[f"v{i}"] = RawSQL(f"COALESCE({column}, '')", [], output_field=TextField())
        else:
            columns[f"v{i}"] = RawSQL("NULL::text", [], output_field=TextField())
            columns[f"raw{i}"] = RawSQL(column, [], output_field=Contact._meta.get_field(key))
            finished_in_python[i] = kind
    return columns, finished_in_python


def _audience_rows(message: Message, keys: tuple[str, ...]) -> Iterator[tuple]:
    """(contact id, point, suppressed, *value texts) for the audience by point then id, in one walk of a
    server-side cursor: one sort however large the audience, no per-page query."""
    contacts, point_column = audience(message)
    columns, finished_in_python = _value_columns(message.account, keys)
    raw = [f"raw{i}" for i in range(len(keys)) if f"raw{i}" in columns]
    width = 3 + len(keys)
    with connection.cursor() as cursor:
        # For this transaction only: a cursor is planned for its first rows (cursor_tuple_fraction) and JIT
        # compiles for seconds; this cursor is read to its end, once, in a sort that fits in memory.
        cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
    rows = (
        contacts.annotate(**columns)
        .values_list("pk", point_column, "suppressed", *(f"v{i}" for i in range(len(keys))), *raw)
        .iterator(chunk_size=BATCH)
    )
    if not finished_in_python:
        yield from rows
        return
    with translation.override(message.account.language):
        gender_labels = {value: str(label) for value, label in schema.Gender.choices}
    places = {int(name[3:]): width + n for n, name in enumerate(raw)}
    for row in rows:
        values = row[3:width]
        if None not in values:
            yield row[:width]
            continue
        row = list(row)
        for i, kind in finished_in_python.items():
            if row[3 + i] is None:
                row[3 + i] = _formatted(row[places[i]], kind, gender_labels)
        yield tuple(row[:width])


def _audience_rows_portable(message: Message, keys: tuple[str, ...]) -> Iterator[tuple]:
    """The rows `_audience_rows` gives, on a database without PostgreSQL's functions (SQLite): the stored values
    as they are, formatted in Python by `value_formatter`."""
    contacts, point_column = audience(message)
    columns = [k for k in dict.fromkeys(keys) if not k.startswith(schema.CUSTOM_PREFIX) and k != point_column]
    fields = ["pk", point_column, "suppressed", *columns]
    if any(k.startswith(schema.CUSTOM_PREFIX) for k in keys):
        fields.append("custom")
    formatted = value_formatter(message.account, keys)
    for row in contacts.values(*fields).iterator(chunk_size=BATCH):
        shown = formatted(row) if keys else {}
        yield (row["pk"], row[point_column], row["suppressed"], *(shown[k] for k in keys))


def _copy_text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


_COPY = (
    'COPY messaging_recipient (account_id, message_id, contact_id, point, "values", status, skip_reason,'
    " segments, provider_id, error_code, created_at) FROM STDIN"
)


def _write(message: Message, templates: dict[str, Template]) -> int:
    """Write one row per audience contact, a page at a time by COPY; the segments the queued rows need."""
    keys = message_keys(templates)
    if connection.vendor == "postgresql":
        rows, flush = _audience_rows(message, keys), _copy
    else:
        rows, flush = _audience_rows_portable(message, keys), _bulk_create
    body = templates["body"]
    is_sms = message.channel == Channel.SMS
    render = is_sms or message.allow_duplicates
    places = [keys.index(k) for k in body.keys]
    escape_value = body.escape
    fmt = body.format_string
    prefix = f"{message.account_id}\t{message.pk}\t"
    suffix = f"\t\t\t{timezone.now().isoformat()}\n"
    queued, suppressed, invalid, duplicate = (
        f"{Recipient.Status.QUEUED}\t",
        f"{Recipient.Status.SKIPPED}\t{Skip.SUPPRESSED}",
        f"{Recipient.Status.SKIPPED}\t{Skip.INVALID_POINT}",
        f"{Recipient.Status.SKIPPED}\t{Skip.DUPLICATE}",
    )
    valid = _point_valid
    channel = message.channel
    allow_duplicates = message.allow_duplicates
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    current_point, seen, needed = None, set(), 0
    lines = []
    for pk, point, is_suppressed, *values in rows:
        if point != current_point:
            current_point, seen = point, set()
        segments = 0
        content = ""
        if render:
            if places:
                got = [values[i] for i in places]
                if escape_value is not None:
                    got = [escape_value(v) for v in got]
                content = fmt.format(*got)
            else:
                content = fmt
            if is_sms:
                segments = sms_segments(content).segments
        if is_suppressed:
            state = suppressed
        elif not valid(channel, point):
            state = invalid
        elif seen and (not allow_duplicates or content in seen):
            state = duplicate
        else:
            seen.add(content)
            state = queued
            needed += segments
        shown = dumps(values)  # JSON escapes tabs and line ends; only its backslashes need COPY's escape
        if "\\" in shown:
            shown = shown.replace("\\", "\\\\")
        lines.append(f"{prefix}{pk}\t{_copy_text(point)}\t{shown}\t{state}\t{segments}{suffix}")
        if len(lines) >= BATCH:
            flush(lines)
            lines = []
    if lines:
        flush(lines)
    return needed


def _copy(lines: list[str]) -> None:
    with connection.cursor() as cursor, cursor.copy(_COPY) as copy:
        copy.write("".join(lines))


_COPY_ESCAPE = re.compile(r"\\(.)")
_COPY_ESCAPED = {"t": "\t", "n": "\n", "r": "\r"}


def _copy_unescape(value: str) -> str:
    if "\\" not in value:
        return value
    return _COPY_ESCAPE.sub(lambda m: _COPY_ESCAPED.get(m[1], m[1]), value)


def _bulk_create(lines: list[str]) -> None:
    """A page of COPY text written where there is no COPY (SQLite): each line read back into its row."""
    recipients = []
    for line in lines:
        account_id, message_id, contact_id, point, values, status, reason, segments, provider_id, error_code, at = (
            line.rstrip("\n").split("\t")
        )
        recipients.append(
            Recipient(
                account_id=int(account_id),
                message_id=int(message_id),
                contact_id=int(contact_id),
                point=_copy_unescape(point),
                values=json.loads(_copy_unescape(values)),
                status=status,
                skip_reason=reason,
                segments=int(segments),
                provider_id=provider_id,
                error_code=error_code,
                created_at=datetime.fromisoformat(at),
            )
        )
    Recipient.objects.bulk_create(recipients)


def _reserve_credits(message: Message, needed: int) -> None:
    """Take the `needed` credits of the queued SMS rows; rows the account can't pay for are skipped (out of
    credits)."""
    account = Account.objects.select_for_update().get(pk=message.account_id)
    queued = Recipient.objects.filter(message=message, status=Recipient.Status.QUEUED)
    available = max(account.sms_credits, 0)
    if needed > available:
        taken, covered = 0, []
        for pk, segments in queued.order_by("pk").values_list("pk", "segments").iterator(chunk_size=BATCH):
            if taken + segments > available:
                break
            taken += segments
            covered.append(pk)
        last_covered = covered[-1] if covered else 0
        queued.filter(pk__gt=last_covered).update(status=Recipient.Status.SKIPPED, skip_reason=Skip.OUT_OF_CREDITS)
        needed = taken
        message.stop_reason = Skip.OUT_OF_CREDITS
    Account.objects.filter(pk=account.pk).update(sms_credits=account.sms_credits - needed)
    message.credits_reserved = needed


@transaction.atomic
def message_prepare(*, message: Message) -> Message:
    """Write the message's recipient rows and reserve its credits, once."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.prepared:
        return message
    templates = message_templates(message)
    needed = _write(message, templates)
    if message.channel == Channel.SMS:
        _reserve_credits(message, needed)
    message.prepared = True
    message.save(update_fields=["prepared", "credits_reserved", "stop_reason"])
    return message
