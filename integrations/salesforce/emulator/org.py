"""The in-memory org: records, users, connected apps, the API counter and the clock.

Stored records are never changed in place: every write stores a new dict, so a list of records taken
under the lock stays a consistent snapshot (query cursors and bulk query jobs rely on it).
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from . import convert, ids
from .errors import ApiError, entity_deleted, not_found
from .schema import Field, SObjectType, standard_types
from .tokens import TokenStore
from .users import (
    ADMIN_USERNAME,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    INTEGRATION_USERNAME,
    ConnectedApp,
    UsersMixin,
)
from .values import coercer, format_datetime

DELETED_RETENTION = timedelta(days=15)
_PERSON_OBJECTS = frozenset({"Lead", "Contact", "User"})


class Savepoint:
    def __init__(self, org: "Org", journal: list):
        self._org = org
        self._journal = journal

    def rollback(self) -> None:
        self._org._undo(self._journal)
        self._journal.clear()


class Org(UsersMixin):
    def __init__(self):
        self.lock = threading.RLock()
        self.organization_id = ids.make_id(ids.KEY_PREFIXES["Organization"], 1)
        self.integration_user_id = ids.make_id(ids.KEY_PREFIXES["User"], 1)
        self.admin_user_id = ids.make_id(ids.KEY_PREFIXES["User"], 2)
        self.tokens = TokenStore(self.organization_id[:15])
        self._ids = ids.IdFactory()
        self._counter_lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Back to a fresh org: only the two users, the organization row and the default connected app."""
        with self.lock:
            self.types: dict[str, SObjectType] = standard_types()
            self._names = {name.lower(): name for name in self.types}
            self._prefixes = {name: kind.key_prefix for name, kind in self.types.items()}
            self._by_prefix = {kind.key_prefix: name for name, kind in self.types.items()}
            self._tables: dict[str, dict[str, dict]] = {name: {} for name in self.types}
            self._templates: dict[str, tuple] = {}
            self._unique: dict[tuple[str, str], dict[str, str]] = {}
            self._journal: list | None = None
            self._last_stamp: datetime | None = None
            self._retention_start: datetime | None = None
            self._logins: dict[str, tuple[str, str, str]] = {}
            self._clock: Callable[[], datetime] | None = None
            self.daily_api_limit = 100_000
            self.api_calls = 0
            self.apps: dict[str, ConnectedApp] = {}
            self.tokens.clear()
            self._add_user(self.integration_user_id, INTEGRATION_USERNAME, "Integration", "User")
            self._add_user(self.admin_user_id, ADMIN_USERNAME, "Admin", "User")
            stamp = self._stamp()
            self._tables["Organization"][self.organization_id] = {
                **self._template(self.types["Organization"]),
                "Id": self.organization_id,
                "Name": "Emulated Org",
                "CreatedDate": stamp,
                "LastModifiedDate": stamp,
                "SystemModstamp": stamp,
                "CreatedById": self.admin_user_id,
                "LastModifiedById": self.admin_user_id,
            }
            self.register_app(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)

    # -- time and counters --------------------------------------------------------------------------

    @property
    def clock(self) -> Callable[[], datetime] | None:
        """An optional stand-in for "now" (a callable returning an aware datetime), for tests that move time."""
        return self._clock

    @clock.setter
    def clock(self, value: Callable[[], datetime] | None) -> None:
        with self.lock:
            self._clock = value
            self._last_stamp = None  # whoever sets the clock decides where time goes from here

    def now(self) -> datetime:
        moment = (self._clock() if self._clock else datetime.now(UTC)).astimezone(UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def _stamp(self) -> str:
        """The time of a write, never earlier than the previous one."""
        moment = self.now()
        if self._last_stamp is not None and moment < self._last_stamp:
            moment = self._last_stamp
        self._last_stamp = moment
        return format_datetime(moment)

    def count_api_call(self) -> int:
        with self._counter_lock:
            self.api_calls += 1
            return self.api_calls

    def deleted_retention_start(self) -> datetime:
        return self._retention_start or self.now() - DELETED_RETENTION

    def set_deleted_retention_start(self, moment: datetime) -> None:
        self._retention_start = moment.astimezone(UTC)

    # -- object definitions -------------------------------------------------------------------------

    def find_type(self, name: str) -> SObjectType | None:
        canonical = self._names.get((name or "").lower())
        return self.types[canonical] if canonical else None

    def type_of(self, name: str) -> SObjectType:
        kind = self.find_type(name)
        if kind is None:
            raise not_found()
        return kind

    def type_for_id(self, record_id: str) -> SObjectType | None:
        name = self._by_prefix.get((record_id or "")[:3])
        return self.types[name] if name else None

    def add_field(
        self,
        sobject: str,
        name: str,
        type: str = "boolean",
        label: str | None = None,
        *,
        length: int = 0,
        unique: bool = False,
        external_id: bool = False,
    ) -> Field:
        """Add a custom field; existing records get its default."""
        if not name.endswith("__c"):
            raise ValueError("Custom field names end with __c")
        with self.lock:
            kind = self.type_of(sobject)
            item = Field(
                name, type, label=label or "", length=length, unique=unique, external_id=external_id, custom=True
            )
            kind.add(item)
            self._templates.pop(kind.name, None)
            table = self._tables[kind.name]
            for record_id in list(table):
                table[record_id] = {**table[record_id], name: item.default}
                self._reindex(kind, None, table[record_id])
            return item

    def _template(self, kind: SObjectType) -> dict:
        return self._shape(kind)[0]

    def _shape(self, kind: SObjectType) -> tuple[dict, list[str], list[str], dict]:
        """Per object: the default record, the required fields, the unique fields and a writer per field name."""
        shape = self._templates.get(kind.name)
        if shape is None:
            fields = kind.fields.values()
            writers = {}
            for item in fields:
                writers[item.name] = writers[item.name.lower()] = (
                    item.name,
                    coercer(item, self._prefixes),
                    item.createable,
                    item.updateable,
                )
            shape = self._templates[kind.name] = (
                kind.template(),
                [item.name for item in fields if item.required],
                [item.name for item in fields if item.unique],
                writers,
            )
        return shape

    # -- reads --------------------------------------------------------------------------------------

    def get(self, sobject: str, record_id: str) -> dict | None:
        kind = self.type_of(sobject)
        record = self._tables[kind.name].get(ids.normalize(record_id) or "")
        return dict(record) if record else None

    def records(self, sobject: str, *, include_deleted: bool = False) -> list[dict]:
        return [dict(record) for record in self.snapshot(sobject, include_deleted=include_deleted)]

    def snapshot(self, sobject: str, *, include_deleted: bool = False) -> list[dict]:
        """The stored records themselves (never to be changed), in creation order."""
        kind = self.type_of(sobject)
        with self.lock:
            rows = list(self._tables[kind.name].values())
        return rows if include_deleted else [row for row in rows if not row["IsDeleted"]]

    def count(self, sobject: str) -> tuple[int, int]:
        """(live, deleted) record counts."""
        rows = self.snapshot(sobject, include_deleted=True)
        deleted = sum(1 for row in rows if row["IsDeleted"])
        return len(rows) - deleted, deleted

    def live(self, kind: SObjectType, record_id: str) -> dict:
        """The stored record (not a copy), or NOT_FOUND / ENTITY_IS_DELETED as the REST API answers."""
        record = self._tables[kind.name].get(ids.normalize(record_id) or "")
        if record is None:
            raise not_found()
        if record["IsDeleted"]:
            raise entity_deleted()
        return record

    # -- writes -------------------------------------------------------------------------------------

    def create(self, sobject: str, fields: dict, *, by_user: str | None = None) -> str:
        with self.lock:
            kind = self.type_of(sobject)
            record = self._build(kind, fields, self.user_id(by_user), self._stamp())
            self._write(kind, record)
            return record["Id"]

    def bulk_create(self, sobject: str, rows: list[dict], *, by_user: str | None = None) -> list[str]:
        """Create many records at once (all or none), sharing one timestamp."""
        with self.savepoint():
            kind = self.type_of(sobject)
            user, stamp = self.user_id(by_user), self._stamp()
            created = [self._build(kind, row, user, stamp) for row in rows]
            for record in created:
                self._write(kind, record)
            return [record["Id"] for record in created]

    def update(self, sobject: str, record_id: str, fields: dict, *, by_user: str | None = None) -> None:
        with self.lock:
            kind = self.type_of(sobject)
            current = self.live(kind, record_id)
            if kind.name == "Lead" and current["IsConverted"]:
                raise ApiError(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", [])
            values = self._clean(kind, fields, creating=False)
            missing = [name for name, value in values.items() if value is None and kind.fields[name].required]
            if missing:
                raise _required_missing(missing)
            self._write(kind, self._touch(kind, {**current, **values}, self.user_id(by_user)), current)

    def delete(self, sobject: str, record_id: str, *, by_user: str | None = None) -> None:
        with self.lock:
            kind = self.type_of(sobject)
            current = self.live(kind, record_id)
            self._write(kind, self._touch(kind, {**current, "IsDeleted": True}, self.user_id(by_user)), current)

    def undelete(self, sobject: str, record_id: str, *, by_user: str | None = None) -> None:
        with self.lock:
            kind = self.type_of(sobject)
            current = self._tables[kind.name].get(ids.normalize(record_id) or "")
            if current is None:
                raise not_found()
            if not current["IsDeleted"]:
                raise ApiError(400, "UNDELETE_FAILED", "Entity is not in the recycle bin", [])
            self._write(kind, self._touch(kind, {**current, "IsDeleted": False}, self.user_id(by_user)), current)

    def convert_lead(
        self, lead_id: str, *, by_user: str | None = None, account_id: str | None = None, contact_id: str | None = None
    ) -> str:
        """Convert a lead into a contact (a new one unless `contact_id` is given) under an account."""
        return convert.convert_lead(self, lead_id, by_user=by_user, account_id=account_id, contact_id=contact_id)

    def _build(self, kind: SObjectType, fields: dict, user: str, stamp: str) -> dict:
        record = {**self._template(kind), **self._clean(kind, fields, creating=True)}
        missing = [name for name in self._shape(kind)[1] if record[name] is None]
        if kind.name == "CampaignMember" and not (record["LeadId"] or record["ContactId"]):
            missing.append("LeadId")
        if missing:
            raise _required_missing(missing)
        record["Id"] = self._ids.next(kind.key_prefix)
        record["CreatedDate"] = record["LastModifiedDate"] = record["SystemModstamp"] = stamp
        record["CreatedById"] = record["LastModifiedById"] = user
        if kind.owned and not record["OwnerId"]:
            record["OwnerId"] = user
        if kind.name in _PERSON_OBJECTS:
            record["Name"] = _full_name(record)
        return record

    def _clean(self, kind: SObjectType, fields: dict, *, creating: bool) -> dict:
        if not isinstance(fields, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize the record: expected a JSON object")
        writers = self._shape(kind)[3]
        values, locked = {}, []
        for key, value in fields.items():
            writer = writers.get(key) or writers.get(key.lower())
            if writer is None:
                if key == "attributes":
                    continue
                raise ApiError(400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {kind.name}")
            name, convert, createable, updateable = writer
            if not (createable if creating else updateable):
                locked.append(name)
                continue
            values[name] = convert(value)
        if locked:
            raise ApiError(
                400,
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(locked)}. Please check the security settings "
                "of this field and verify that it is read/write for your profile or permission set.",
                locked,
            )
        return values

    def _touch(self, kind: SObjectType, record: dict, user: str) -> dict:
        record["LastModifiedDate"] = record["SystemModstamp"] = self._stamp()
        record["LastModifiedById"] = user
        if kind.name in _PERSON_OBJECTS:
            record["Name"] = _full_name(record)
        return record

    def _write(self, kind: SObjectType, record: dict, previous: dict | None = None) -> None:
        self._reindex(kind, previous, record)
        if self._journal is not None:
            self._journal.append((kind, record["Id"], previous))
        self._tables[kind.name][record["Id"]] = record

    def _reindex(self, kind: SObjectType, old: dict | None, new: dict | None) -> None:
        """Keep the value indexes of unique fields; raise DUPLICATE_VALUE before anything changes."""
        unique = self._shape(kind)[2]
        if not unique:
            return
        keys = [(name, _unique_key(new, name)) for name in unique]
        for name, key in keys:
            owner = self._unique.get((kind.name, name), {}).get(key) if key else None
            if owner and owner != new["Id"]:
                raise ApiError(
                    400,
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {name} duplicates value on record with id: {owner}",
                    [name],
                )
        for name, key in keys:
            index = self._unique.setdefault((kind.name, name), {})
            old_key = _unique_key(old, name)
            if old_key and index.get(old_key) == old["Id"]:
                del index[old_key]
            if key:
                index[key] = new["Id"]

    @contextmanager
    def savepoint(self) -> Iterator[Savepoint]:
        """Writes inside are undone if the block raises, or when `rollback()` is called."""
        with self.lock:
            outer, journal = self._journal, []
            self._journal = journal
            try:
                yield Savepoint(self, journal)
            except BaseException:
                self._undo(journal)
                raise
            finally:
                self._journal = outer
            if outer is not None:
                outer.extend(journal)

    def _undo(self, journal: list) -> None:
        for kind, record_id, previous in reversed(journal):
            table = self._tables[kind.name]
            self._reindex(kind, table.get(record_id), previous)
            if previous is None:
                table.pop(record_id, None)
            else:
                table[record_id] = previous


def _full_name(record: dict) -> str:
    return " ".join(part for part in (record.get("FirstName"), record.get("LastName")) if part)


def _unique_key(record: dict | None, name: str) -> str | None:
    if not record or record.get("IsDeleted"):
        return None
    value = record.get(name)
    return str(value).casefold() if value not in (None, "") else None


def _required_missing(names: list[str]) -> ApiError:
    return ApiError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(names)}]", names)
