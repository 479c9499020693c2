"""The outbound engine: platform changes into Salesforce (SPEC SF-7, SF-8, SF-9, SF-10).

What goes out is decided field by field against each record's last synced values (ExternalRef
.synced_values), never by who touched the contact last: a value the pull just brought in equals its
synced value and is not written back (no echo), and a value written here becomes the synced value.
Up to BULK_THRESHOLD records an object go by sObject Collections (200 a call, allOrNone=false);
more go by one Bulk API 2.0 ingest job.
"""

import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from contacts.models import Contact, GroupMembership, Suppression
from contacts.sources import Source
from marketing.core.texts import Text, stored

from ..models import Connection, ExternalRef, SyncCursor, SyncError, SyncRun
from ..services import sync_error_record, sync_errors_resolve
from ..storage import live_refs, refs_save, synced_values_merge
from .client import COMPOSITE_BATCH, SalesforceClient
from .errors import SalesforceRequestError
from .linking import HELD, baseline
from .mapping import Comparer, ObjectPlan, contact_value, object_plans
from .models import SalesforceSettings, lead_company_placeholder
from .progress import run_progress_save
from .pull import CONTACT_VALUE_FIELDS, Puller, conversion_link, loggable, overlap

SOURCE = Source.SALESFORCE
PAGE = 2000  # contacts examined per step
LOCK_RETRIES = 3  # UNABLE_TO_LOCK_ROW: records written again this many times, with a growing pause
LOCK_PAUSE_SECONDS = 1.0
NOT_PROVIDED = "[not provided]"  # LastName of a new record whose contact has none (Salesforce's own Web-to-Lead value)
MARKER_KEY = "marker:removed"  # in synced_values: the removed-from-group marker as last written
OPTOUT_KEY = "optout:"  # in synced_values, + channel: the opt-out field was set by a push


def _synced_true(key: str) -> Q:
    """Refs whose synced values hold `key: true` (key lookups: JSON containment is not on every database)."""
    return Q(synced_values__has_key=key) & Q(**{f"synced_values__{key}": True})


def marker_changes(connection: Connection, settings: SalesforceSettings, contact_ids: Iterable[int]) -> list[tuple]:
    """(ref id, contact id, object, record id, marker) for the records of contacts that joined or left a
    synced group, whose removed-from-group marker is not what their membership says now: set when in no
    synced group, clear when back in one."""
    contact_ids = list(contact_ids)
    group_ids = settings.synced_groups.values_list("pk", flat=True)
    members = GroupMembership.objects.filter(group_id__in=group_ids, contact_id__in=contact_ids)
    refs = live_refs(connection).filter(contact_id__in=contact_ids)
    inside = set(members.values_list("contact_id", flat=True))
    changes = []
    for pk, contact_id, object_type, external_id, synced in refs.values_list(
        "pk", "contact_id", "object_type", "external_id", "synced_values"
    ):
        wanted = contact_id not in inside
        if wanted != bool((synced or {}).get(MARKER_KEY)):
            changes.append((pk, contact_id, object_type, external_id, wanted))
    return changes


def optout_refs(connection: Connection, channel: str, points: list[str], *, force: bool = True):
    """Records of the contacts behind `points` (without `force`: those not opted out by us before)."""
    column = "email" if channel == "email" else "phone"
    contact_ids = Contact.objects.filter(account_id=connection.account_id, **{f"{column}__in": points}).values("pk")
    refs = live_refs(connection).filter(contact_id__in=contact_ids)
    return refs if force else refs.exclude(_synced_true(f"{OPTOUT_KEY}{channel}"))


def bulk_threshold() -> int:
    return getattr(django_settings, "SALESFORCE_PUSH_BULK_THRESHOLD", 2000)


class _Write:
    """One record to write: the ref it belongs to (None for a create), its fields, the values to remember."""

    __slots__ = ("ref_id", "contact_id", "object_type", "external_id", "fields", "remember", "origin", "partial")

    def __init__(self, *, ref_id, contact_id, object_type, external_id, fields, remember, origin=None, partial=False):
        self.ref_id = ref_id
        self.contact_id = contact_id
        self.object_type = object_type
        self.external_id = external_id
        self.fields = fields
        self.remember = remember
        self.origin = origin or {}  # Salesforce field -> the platform field its value came from
        self.partial = partial  # written again without fields Salesforce refused: their error stays open

    def without(self, refused: set[str]) -> "_Write":
        return _Write(
            ref_id=self.ref_id,
            contact_id=self.contact_id,
            object_type=self.object_type,
            external_id=self.external_id,
            fields={k: v for k, v in self.fields.items() if k not in refused},
            remember={k: v for k, v in self.remember.items() if k not in {self.origin.get(r) for r in refused}},
            origin={k: v for k, v in self.origin.items() if k not in refused},
            partial=True,
        )


def _checkbox_writes(rows: Iterable[tuple], field: str, key: str) -> list[_Write]:
    """Writes of one checkbox: rows of (ref id, contact id, object, record id, value); `key` notes the
    value in the synced values."""
    return [
        _Write(
            ref_id=pk,
            contact_id=contact_id,
            object_type=object_type,
            external_id=external_id,
            fields={field: value},
            remember={key: value},
        )
        for pk, contact_id, object_type, external_id, value in rows
    ]


class Pusher:
    """One run's outbound work for one connection. Counters feed the SyncRun."""

    def __init__(
        self,
        *,
        connection: Connection,
        settings: SalesforceSettings,
        client: SalesforceClient,
        run: SyncRun | None,
        counts: Counter | None = None,
    ):
        self.connection = connection
        self.account = connection.account
        self.settings = settings
        self.client = client
        self.run = run
        self.counts = counts if counts is not None else Counter()
        self.region = self.account.default_region
        self.plans = {plan.sobject: plan for plan in object_plans(settings, pulled_only=False)}
        self.compare = Comparer(self.account)
        self.conversion_plans = (self.plans.get("Lead"), self.plans.get("Contact"))
        self.lead_company = settings.lead_company_default or lead_company_placeholder(self.account)

    # --- field changes ------------------------------------------------------------------------------

    def push(self) -> None:
        """Changed linked contacts, then new members of the synced groups."""
        cursor = SyncCursor.objects.get_or_create(account=self.account, connection=self.connection, stream="push")[0]
        started = timezone.now()
        since = cursor.watermark - overlap() if cursor.watermark else None
        self.push_changes(since=since)
        self.push_new()
        self.push_optouts_of_new_links(since)
        if since is not None:  # unsubscribes an event-driven push missed (a pause, an outage) go now
            self.push_past_optouts(since, force=False)
        self.retry_markers()
        cursor.watermark = started
        cursor.save(update_fields=["watermark", "updated_at"])

    def _live_refs(self):
        return live_refs(self.connection)

    def push_changes(self, *, since: datetime | None) -> None:
        """Linked contacts changed since `since` (all of them without it), and those whose write failed before."""
        refs = self._live_refs().filter(object_type__in=list(self.plans))
        if since is not None:
            failed = SyncError.objects.filter(
                connection=self.connection,
                direction=SyncError.Direction.OUT,
                state=SyncError.State.PENDING,
                next_attempt_at__lte=timezone.now(),
            ).values("contact_id")
            refs = refs.filter(Q(contact__updated_at__gte=since) | Q(contact_id__in=failed))
        columns = {name: F(f"contact__{name}") for name in CONTACT_VALUE_FIELDS}  # the row is the contact's values
        rows = refs.order_by("pk").values("pk", "contact_id", "object_type", "external_id", "synced_values", **columns)
        writes: list[_Write] = []
        for row in rows.iterator(chunk_size=PAGE):
            write = self._changes(row, row)
            if write is not None:
                writes.append(write)
            if len(writes) >= 10 * PAGE:
                self.write("update", writes)
                writes = []
        self.write("update", writes)

    def _changes(self, row: dict, current: dict) -> _Write | None:
        plan = self.plans[row["object_type"]]
        base = row["synced_values"] or {}
        fields, remember, origin = {}, {}, {}
        for mapping in plan.pushable:
            local = mapping["local"]
            if local not in base:
                continue  # never synced: the next pull records Salesforce's value first
            mine = contact_value(current, local)
            held = baseline(base, local)  # the contact's value as last reconciled with this record
            if mine == held or self.compare(local, mine) == self.compare(local, held):
                continue
            if mine in (None, "") and mapping["remote"] in self._defaults(plan.sobject):
                continue  # a required field the platform has no value for keeps Salesforce's
            fields[mapping["remote"]] = plan.remote_value(mapping, mine)
            origin[mapping["remote"]] = local
            if mine in (None, "") and mapping.get("fallback"):
                fields[mapping["fallback"]] = None  # cleared here: the pull must not read it back from the fallback
                origin[mapping["fallback"]] = local
            remember[local] = mine.isoformat() if hasattr(mine, "isoformat") else mine
            if base.get(HELD + local) is not None:
                remember[HELD + local] = None  # written there: the record holds the contact's value again
        if not fields:
            return None
        return _Write(
            ref_id=row["pk"],
            contact_id=row["contact_id"],
            object_type=row["object_type"],
            external_id=row["external_id"],
            fields=fields,
            remember=remember,
            origin=origin,
        )

    # --- new contacts -------------------------------------------------------------------------------

    def synced_group_ids(self) -> set[int]:
        return set(self.settings.synced_groups.values_list("pk", flat=True))

    def push_new(self) -> None:
        """Members of the synced groups never linked to a Salesforce record: linked to the record that has
        their email when there is one (a person the pull did not bring, e.g. in sync-flag mode), else
        created as the configured object."""
        group_ids = self.synced_group_ids()
        sobject = self.settings.new_contact_object
        plan = self.plans.get(sobject)
        if not group_ids or plan is None:
            return
        # Once linked, never created again: a record deleted or merged there stays so.
        linked = ExternalRef.objects.filter(connection=self.connection, contact_id=OuterRef("pk"))
        waiting = SyncError.objects.filter(
            connection=self.connection,
            direction=SyncError.Direction.OUT,
            object_type=sobject,
            external_id="",
            contact_id=OuterRef("pk"),
        ).filter(Q(state=SyncError.State.DEAD) | Q(state=SyncError.State.PENDING, next_attempt_at__gt=timezone.now()))
        members = GroupMembership.objects.filter(group_id__in=group_ids).values("contact_id")
        contacts = (
            Contact.objects.filter(account=self.account, pk__in=members)
            .exclude(Exists(linked))
            .exclude(Exists(waiting))
            .order_by("pk")
            .values("id", *CONTACT_VALUE_FIELDS)
        )
        batch = []
        for current in contacts.iterator(chunk_size=PAGE):
            batch.append(current)
            if len(batch) == COMPOSITE_BATCH:
                self._create(plan, batch)
                batch = []
        self._create(plan, batch)

    def _create(self, plan: ObjectPlan, contacts: list[dict]) -> None:
        if not contacts:
            return
        found = self._existing_by_email(plan, [c["email"] for c in contacts if c["email"]])
        writes, links = [], []
        for current in contacts:
            record = found.pop(self.compare("email", current["email"]), None) if current["email"] else None
            if record is not None:
                links.append((record["Id"], current["id"], None, self._linked_values(plan, record, current)))
            else:
                writes.append(self._creation(plan, current))
        if links:
            refs_save(
                account_id=self.account.pk, connection_id=self.connection.pk, object_type=plan.sobject, rows=links
            )
            self.counts["linked_there"] += len(links)
        self.write("insert", writes)

    def _linked_values(self, plan: ObjectPlan, record: dict, current: dict) -> dict:
        """Synced values of a record found there for a contact: its own, with the contact's values held where
        they differ, so that linking writes nothing; where the record is blank and the setting says so, the
        contact's value goes there with the next push."""
        fill = self.settings.fill_salesforce_blanks
        synced = {}
        for local, theirs in plan.row(record, region=self.region).items():
            if plan.is_status(local):
                continue
            synced[local] = theirs
            mine = contact_value(current, local)
            if self.compare(local, mine) != self.compare(local, theirs):
                if not (fill and self.compare(local, theirs) == ""):
                    synced[HELD + local] = "" if mine is None else loggable(mine)
        return synced

    def _existing_by_email(self, plan: ObjectPlan, emails: list[str]) -> dict[str, dict]:
        """Records of the plan's object there with one of these emails and not linked yet, by (compared) email."""
        quoted = ", ".join("'" + e.replace("\\", "\\\\").replace("'", "\\'") + "'" for e in emails)
        if not quoted:
            return {}
        soql = f"SELECT {', '.join(plan.fields)} FROM {plan.sobject} WHERE Email IN ({quoted})"
        records = [record for page in self.client.query_pages(soql) for record in page]
        linked = set(
            ExternalRef.objects.filter(
                connection=self.connection, external_id__in=[r["Id"] for r in records]
            ).values_list("external_id", flat=True)
        )
        found: dict[str, dict] = {}
        for record in records:
            if record["Id"] not in linked:
                found.setdefault(self.compare("email", record.get("Email")), record)
        return found

    def _defaults(self, sobject: str) -> dict:
        defaults = {"LastName": NOT_PROVIDED}
        if sobject == "Lead":
            defaults["Company"] = self.lead_company
        return defaults

    def _creation(self, plan: ObjectPlan, current: dict) -> _Write:
        fields, remember = {}, {}
        for mapping in plan.pushable:
            local = mapping["local"]
            value = contact_value(current, local)
            remember[local] = value.isoformat() if hasattr(value, "isoformat") else (value or "")
            if value not in (None, ""):
                fields[mapping["remote"]] = plan.remote_value(mapping, value)
        for remote, default in self._defaults(plan.sobject).items():
            if not fields.get(remote):
                fields[remote] = default
                remember.update({m["local"]: default for m in plan.pushable if m["remote"] == remote})
        return _Write(
            ref_id=None,
            contact_id=current["id"],
            object_type=plan.sobject,
            external_id="",
            fields=fields,
            remember=remember,
        )

    # --- marker and opt-out fields ------------------------------------------------------------------

    def retry_markers(self) -> None:
        """Marker writes that failed before and are due again (their errors name the marker field)."""
        field = self.settings.deleted_marker_field
        if not field:
            return
        due = SyncError.objects.filter(
            connection=self.connection,
            direction=SyncError.Direction.OUT,
            state=SyncError.State.PENDING,
            next_attempt_at__lte=timezone.now(),
            payload__fields__has_key=field,
        ).values_list("contact_id", flat=True)
        contact_ids = [pk for pk in due if pk]
        if contact_ids:
            self.push_markers(contact_ids)

    def push_markers(self, contact_ids: Iterable[int]) -> None:
        """SPEC SF-8: the removed-from-group marker on the contacts' records follows their membership now
        (so a leave and a rejoin handled in either order end right)."""
        field = self.settings.deleted_marker_field
        if not field:
            return
        writes = _checkbox_writes(marker_changes(self.connection, self.settings, contact_ids), field, MARKER_KEY)
        self.counts["markers"] += len(writes)
        self.write("update", writes)

    def push_optouts(self, channel: str, points: Iterable[str], *, force: bool = True) -> None:
        """SPEC SF-9: the channel's opt-out field set on every record of the contacts behind `points`
        (without `force`, records it was set on before are passed over)."""
        field = (self.settings.optout_fields or {}).get(channel)
        points = [p for p in points if p]
        if not field or not points:
            return
        refs = optout_refs(self.connection, channel, points, force=force)
        rows = ((*ref, True) for ref in refs.values_list("pk", "contact_id", "object_type", "external_id"))
        writes = _checkbox_writes(rows, field, f"{OPTOUT_KEY}{channel}")
        self.counts["optouts_pushed"] += len(writes)
        self.write("update", writes)

    def push_optouts_of_new_links(self, since: datetime | None) -> None:
        """Records linked since `since` (created here, found by email or brought in by the pull) whose contact
        had unsubscribed before: their opt-out fields set, so no one there writes to a person who opted out."""
        refs = self._live_refs() if since is None else self._live_refs().filter(created_at__gte=since)
        contact_ids = refs.values("contact_id")
        for channel, field in (self.settings.optout_fields or {}).items():
            if not field:
                continue
            column = "email" if channel == "email" else "phone"
            points = Contact.objects.filter(account=self.account, pk__in=contact_ids).values(column)
            suppressed = Suppression.objects.filter(account=self.account, channel=channel, point__in=points)
            self.push_optouts(
                channel, list(suppressed.exclude(source=SOURCE).values_list("point", flat=True)), force=False
            )

    def push_past_optouts(self, since: datetime, *, force: bool = True) -> None:
        """SPEC SF-10: every platform unsubscribe since `since`, channel by channel."""
        for channel in self.settings.optout_fields or {}:
            points = Suppression.objects.filter(account=self.account, channel=channel, created_at__gte=since)
            if not force:
                points = points.exclude(source=SOURCE)  # came from Salesforce: already set there
            self.push_optouts(channel, list(points.values_list("point", flat=True)), force=force)

    # --- writing ------------------------------------------------------------------------------------

    def write(self, operation: str, writes: list[_Write]) -> None:
        """Write records, object by object; lock errors retried with a pause, conversions followed."""
        by_object: dict[str, list[_Write]] = {}
        for item in writes:
            by_object.setdefault(item.object_type, []).append(item)
        for sobject, items in by_object.items():
            pending = items
            for attempt in range(LOCK_RETRIES + 1):
                locked, converted = self._send(operation, sobject, pending, last=attempt == LOCK_RETRIES)
                if converted:
                    self._follow(converted)
                if not locked:
                    break
                self.counts["lock_retries"] += len(locked)
                time.sleep(LOCK_PAUSE_SECONDS * (2**attempt))
                pending = locked

    def _send(self, operation: str, sobject: str, items: list[_Write], *, last: bool):
        """Write one object's records: one bulk job above the threshold, else 200 a call. Each call's
        results land before the next call, so a run that stops midway never creates a record twice."""
        locked, converted = [], []
        if operation == "update" and len(items) > bulk_threshold():
            # Updates only: an update job cut short is harmless to run again, a create job is not.
            batches = [items]
        else:
            batches = [items[start : start + COMPOSITE_BATCH] for start in range(0, len(items), COMPOSITE_BATCH)]
        for batch in batches:
            records = []
            for item in batch:
                record = dict(item.fields)
                if operation == "update":
                    record["Id"] = item.external_id
                records.append(record)
            if len(batch) > bulk_threshold():
                columns = list(dict.fromkeys(name for record in records for name in record))
                self.counts["bulk_jobs"] += 1
                try:
                    results = self.client.bulk2_ingest(sobject, operation, records, columns)
                except SalesforceRequestError as exc:  # the job as a whole was refused: 200 a call instead
                    if exc.code != "salesforce_bulk_failed":
                        raise
                    self.counts["bulk_refused"] += 1
                    results = [
                        result
                        for start in range(0, len(records), COMPOSITE_BATCH)
                        for result in self.client.composite_update(
                            records[start : start + COMPOSITE_BATCH], sobject=sobject
                        )
                    ]
            elif operation == "insert":
                results = self.client.composite_create(records, sobject=sobject)
            else:
                results = self.client.composite_update(records, sobject=sobject)
            more_locked, more_converted = self._results(batch, results, last=last)
            run_progress_save(self)  # the run's figures so far, one UPDATE a call
            locked += more_locked
            converted += more_converted
        return locked, converted

    def _results(self, items: list[_Write], results: list[dict], *, last: bool):
        done, locked, converted, deleted, retry = [], [], [], [], []
        for item, result in zip(items, results, strict=True):
            if result.get("success"):
                if item.ref_id is None:
                    item.external_id = result.get("id") or ""
                done.append(item)
                continue
            error = (result.get("errors") or [{}])[0]
            code = error.get("statusCode") or error.get("errorCode") or "UNKNOWN"
            refused = set(error.get("fields") or []) & set(item.fields)
            if code == "UNABLE_TO_LOCK_ROW" and not last:
                locked.append(item)
            elif refused and refused != set(item.fields) and not item.partial:
                self._failed(item, code, error)  # stays open for the refused fields ...
                retry.append(item.without(refused))  # ... while the others go now
            elif code == "CANNOT_UPDATE_CONVERTED_LEAD" and item.object_type == "Lead":
                converted.append(item)
            elif code == "ENTITY_IS_DELETED":
                deleted.append(item)
            else:
                self._failed(item, code, error)
        self._done(done)
        if deleted:  # deleted there since the last pull: handled as the pull handles deletions (SPEC SF-8)
            puller = Puller(connection=self.connection, settings=self.settings, client=self.client, run=self.run)
            for sobject in {i.object_type for i in deleted}:
                ids = [i.external_id for i in deleted if i.object_type == sobject]
                puller.apply_deletes(ObjectPlan(sobject=sobject, mappings=[]), ids)
            self.counts["deleted_there"] += len(deleted)
        if retry:
            self.counts["partial_retries"] += len(retry)
            self.write("update", retry)
        return locked, converted

    def _done(self, items: list[_Write]) -> None:
        if not items:
            return
        self.counts["records_out"] += len(items)
        with transaction.atomic():
            created = [i for i in items if i.ref_id is None]
            for sobject in {i.object_type for i in created}:
                refs_save(
                    account_id=self.account.pk,
                    connection_id=self.connection.pk,
                    object_type=sobject,
                    rows=[(i.external_id, i.contact_id, None, i.remember) for i in created if i.object_type == sobject],
                )
            self.counts["created_there"] += len(created)
            synced_values_merge(rows=[(i.ref_id, i.remember) for i in items if i.ref_id is not None])
            if self._has_open_errors():
                for sobject in {i.object_type for i in items}:
                    sync_errors_resolve(
                        account=self.account,
                        connection=self.connection,
                        direction=SyncError.Direction.OUT,
                        object_type=sobject,
                        external_ids=[
                            i.external_id for i in items if i.object_type == sobject and i.ref_id and not i.partial
                        ],
                    )
                SyncError.objects.filter(
                    connection=self.connection,
                    direction=SyncError.Direction.OUT,
                    external_id="",
                    contact_id__in=[i.contact_id for i in created],
                ).exclude(state=SyncError.State.RESOLVED).update(state=SyncError.State.RESOLVED, next_attempt_at=None)

    def _has_open_errors(self) -> bool:
        return (
            SyncError.objects.filter(connection=self.connection, direction=SyncError.Direction.OUT)
            .exclude(state=SyncError.State.RESOLVED)
            .exists()
        )

    def _failed(self, item: _Write, code: str, error: dict) -> None:
        self.counts["failed_out"] += 1
        fields = ", ".join(error.get("fields") or [])
        said = error.get("message") or code
        if isinstance(said, Text):  # this platform's own words, stored for each reader's language
            message = said.stored
        elif fields:  # Salesforce's words, as they came
            message = stored(gettext_noop("Salesforce said: %(said)s (fields: %(fields)s)"), said=said, fields=fields)
        else:
            message = stored(gettext_noop("Salesforce said: %(said)s"), said=said)
        contact = Contact.objects.filter(account=self.account, pk=item.contact_id).first()
        if contact is None:
            return
        sync_error_record(
            account=self.account,
            connection=self.connection,
            direction=SyncError.Direction.OUT,
            object_type=item.object_type,
            external_id=item.external_id if item.ref_id else "",
            contact=contact,
            code=code,
            message=message,
            payload={"fields": {k: str(v) for k, v in item.fields.items()}},
            run=self.run,
        )

    def _as_contact(self, item: _Write, ref_id: int, record_id: str) -> _Write:
        """A lead's write, for the Contact it became: mapped values go through the Contact's own mapping
        (a field it does not map is left out); opt-out and marker fields are the same on both objects."""
        plan = self.plans.get("Contact")
        by_local = {m["local"]: m for m in plan.pushable} if plan else {}
        fields, origin = {}, {}
        for remote, value in item.fields.items():
            local = item.origin.get(remote)
            if local is None:
                fields[remote] = value
            elif local in by_local:
                mapping = by_local[local]
                fields[mapping["remote"]] = plan.remote_value(mapping, item.remember.get(local))
                origin[mapping["remote"]] = local
        remember = {k: v for k, v in item.remember.items() if k in by_local or k not in item.origin.values()}
        return _Write(
            ref_id=ref_id,
            contact_id=item.contact_id,
            object_type="Contact",
            external_id=record_id,
            fields=fields,
            remember=remember,
            origin=origin,
        )

    def _follow(self, items: list[_Write]) -> None:
        """CANNOT_UPDATE_CONVERTED_LEAD: the lead became a Contact; link it and write there instead."""
        ids = ", ".join(f"'{i.external_id}'" for i in items if i.external_id.isalnum())
        answer = self.client.query(f"SELECT Id, ConvertedContactId FROM Lead WHERE Id IN ({ids})") if ids else {}
        converted_to = {r["Id"]: r.get("ConvertedContactId") for r in answer.get("records", [])}
        again = []
        for item in items:
            target = converted_to.get(item.external_id)
            if not target:
                self._failed(
                    item, "CANNOT_UPDATE_CONVERTED_LEAD", {"message": Text(gettext_noop("The lead was converted."))}
                )
                continue
            contact_ref = conversion_link(self, ExternalRef.objects.get(pk=item.ref_id), target)
            if contact_ref is None:
                continue
            self.counts["converted"] += 1
            again.append(self._as_contact(item, contact_ref.pk, target))
        if again:
            self.write("update", again)
