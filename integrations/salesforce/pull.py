"""The inbound engine: Salesforce records into platform contacts, page by page (SPEC SF-4…6, SF-8, SF-17).

Every page lands in one transaction: contacts through the upsert engine, their ExternalRefs, the
opt-outs, and the cursor's watermark — so a run stopped anywhere resumes from the last page that
committed, and the overlap window it reads again is recognised record by record (ExternalRef keeps
each record's last SystemModstamp), never applied twice.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from contacts.models import Contact, Group, GroupMembership
from contacts.selectors import CONTACT_VALUE_COLUMNS, contacts_by_points
from contacts.services import contacts_delete, group_members_remove, suppressions_add
from contacts.sources import Source
from contacts.upsert import Policy, Status, contacts_upsert
from marketing.core.texts import Text, stored

from ..models import Connection, ExternalRef, SyncCursor, SyncError, SyncRun
from ..services import sync_error_record, sync_errors_resolve
from ..storage import live_refs, refs_find, refs_save, synced_values_merge
from .client import SalesforceClient
from .errors import SalesforceRequestError
from .linking import HELD, Landing, Linker, baseline
from .mapping import (
    Comparer,
    ObjectPlan,
    carried_over,
    contact_value,
    object_plans,
    parse_datetime,
    soql_datetime,
    truthy,
)
from .models import SalesforceSettings
from .progress import run_progress_save

SOURCE = Source.SALESFORCE
DELETED_WINDOW = timedelta(days=15)
CONFLICTS_KEPT = 500  # conflicts written to a run's log in full (all are counted)
CONTACT_VALUE_FIELDS = CONTACT_VALUE_COLUMNS  # what a mapped platform field can be, as the upsert engine reads it
RETRY_BATCH = 200  # ids per `Id IN (…)` query
BULK_BATCH = 5000  # records landed per transaction from a bulk result (the upsert engine's chunk)


def overlap() -> timedelta:
    return timedelta(seconds=getattr(django_settings, "SALESFORCE_PULL_OVERLAP_SECONDS", 60))


def bulk_threshold() -> int:
    return getattr(django_settings, "SALESFORCE_BULK_THRESHOLD", 20_000)


def loggable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def conversion_link(engine, lead_ref: ExternalRef, contact_id: str, **lead_updates) -> ExternalRef | None:
    """A converted lead continues as its Salesforce Contact: the Contact is linked to the lead's platform
    contact and the lead marked converted. None when that Contact already stands for another contact."""
    target, _created = ExternalRef.objects.get_or_create(
        connection=engine.connection,
        object_type="Contact",
        external_id=contact_id,
        defaults={
            "account": engine.account,
            "contact_id": lead_ref.contact_id,
            "contact_deleted_at": lead_ref.contact_deleted_at,  # a lead deleted here converts into a tombstone
            "synced_values": carried_over(*engine.conversion_plans, lead_ref.synced_values),
        },
    )
    ExternalRef.objects.filter(pk=lead_ref.pk).update(converted_to=contact_id, **lead_updates)
    if target.contact_id != lead_ref.contact_id:
        conversion_into_linked(engine, lead_ref, target)
        return None
    return target


def conversion_into_linked(engine, lead_ref: ExternalRef, target: ExternalRef) -> None:
    """A lead converted into a Contact that already stands for another platform contact: the two people
    are one in Salesforce now. Nothing is merged here; the lead's contact stays unlinked (never created
    there again) and the sync errors say so, for a person to decide."""
    engine.counts["converted_into_linked"] += 1
    sync_error_record(
        account=engine.account,
        connection=engine.connection,
        direction=SyncError.Direction.IN,
        object_type="Lead",
        external_id=lead_ref.external_id,
        contact=Contact.objects.filter(account=engine.account, pk=lead_ref.contact_id).first(),
        code="converted_into_linked_contact",
        message=stored(
            gettext_noop(
                "This lead was converted into the Salesforce contact %(contact)s, which is linked to another contact "
                "here. Merge the two contacts here if they are the same person."
            ),
            contact=target.external_id,
        ),
        run=engine.run,
    )


class RunCancelled(Exception):
    pass


class Puller:
    """One run's inbound work for one connection. Counters feed the SyncRun."""

    def __init__(self, *, connection: Connection, settings: SalesforceSettings, client: SalesforceClient, run: SyncRun):
        self.connection = connection
        self.account = connection.account
        self.settings = settings
        self.client = client
        self.run = run
        self.counts: Counter = Counter()
        self.groups = [settings.inbound_group] if settings.inbound_group_id else []
        self.policy = Policy(add_new=True, update_existing=True, avoid_losing_data=False, match_by_points=False)
        self._open_errors: bool | None = None
        self.conflicts: list[dict] = []  # the sync log's record of each field both sides changed
        self.compare = Comparer(self.account)
        plans = {plan.sobject: plan for plan in object_plans(settings, pulled_only=False)}
        self.conversion_plans = (plans.get("Lead"), plans.get("Contact"))

    # --- cursors ------------------------------------------------------------------------------------

    def cursor(self, stream: str) -> SyncCursor:
        return SyncCursor.objects.get_or_create(account=self.account, connection=self.connection, stream=stream)[0]

    def check_cancelled(self) -> None:
        if not run_progress_save(self):  # the run's figures so far, one UPDATE a page; False once it was cancelled
            raise RunCancelled

    # --- records ------------------------------------------------------------------------------------

    def pull_object(self, plan: ObjectPlan, *, full: bool = False) -> None:
        """New and changed records of one object since its watermark (all of them the first time)."""
        cursor = self.cursor(plan.sobject)
        initial = cursor.full_sync_done_at is None or full
        started = timezone.now()
        where = []
        if cursor.watermark is not None and not full:
            where.append(f"SystemModstamp >= {soql_datetime(cursor.watermark - overlap())}")
        if plan.sync_flag_field:
            where.append(f"{plan.sync_flag_field} = true")
        soql = f"SELECT {', '.join(plan.fields)} FROM {plan.sobject}"
        if where:
            soql += " WHERE " + " AND ".join(where)
        soql += " ORDER BY SystemModstamp, Id"
        if initial and cursor.watermark is None and self._large(plan):
            self._pull_bulk(plan, cursor, soql)
        else:
            for records in self._pages(soql):
                self.apply_page(plan, records, cursor=cursor, echo=not initial)
                self.check_cancelled()
        if initial:
            cursor.full_sync_done_at = timezone.now()
            cursor.save(update_fields=["full_sync_done_at", "updated_at"])
            deleted = self.cursor(f"{plan.sobject}.deleted")
            if deleted.watermark is None:  # deletions before the first full read were never ours
                deleted.watermark = started
                deleted.save(update_fields=["watermark", "updated_at"])

    def _pages(self, soql: str) -> Iterator[list[dict]]:
        return self.client.query_pages(soql)

    def _large(self, plan: ObjectPlan) -> bool:
        counted = self.client.query(f"SELECT COUNT() FROM {plan.sobject}")
        return int(counted.get("totalSize", 0)) > bulk_threshold()

    def _pull_bulk(self, plan: ObjectPlan, cursor: SyncCursor, soql: str) -> None:
        """A large first read through Bulk API 2.0: a handful of calls for hundreds of thousands of records."""
        self.counts["bulk_queries"] += 1
        batch: list[dict] = []
        for row in self.client.bulk2_query(soql):
            batch.append(row)
            if len(batch) == BULK_BATCH:
                self.apply_page(plan, batch, cursor=cursor, echo=False)
                self.check_cancelled()
                batch = []
        if batch:
            self.apply_page(plan, batch, cursor=cursor, echo=False)

    def apply_page(self, plan: ObjectPlan, records: list[dict], *, cursor: SyncCursor | None, echo: bool) -> None:
        """Land one page of records; with `cursor`, advance its watermark in the same transaction."""
        if not records:
            return
        self.counts["received"] += len(records)
        refs = refs_find(
            connection_id=self.connection.pk, object_type=plan.sobject, external_ids=[r["Id"] for r in records]
        )
        currents = self._currents(refs.values())
        landings: list[Landing] = []
        conversions = []
        newest = None
        ours = self.connection.external_user_id
        for record in records:
            stamp = parse_datetime(record.get("SystemModstamp"))
            newest = max(newest, stamp) if newest and stamp else (stamp or newest)
            ref = refs.get(record["Id"])
            if ref is not None and ref.last_modstamp and stamp and stamp <= ref.last_modstamp and cursor is not None:
                self.counts["already_synced"] += 1  # the overlap window, read again
                continue
            if plan.sobject == "Lead" and truthy(record.get("IsConverted")):
                conversions.append((record, ref))
                continue
            if ref is not None and ref.contact_id is None:  # its contact was deleted here
                if not self._brings_back(ref, stamp):
                    self.counts["deleted_here_kept"] += 1
                    continue
                self.counts["brought_back"] += 1
            full = plan.row(record, region=self.account.default_region)
            current = currents.get(ref.contact_id) if ref is not None and ref.deleted_at is None else None
            if current is None:
                if echo and ours and record.get("LastModifiedById") == ours:
                    self.counts["echo_skipped"] += 1  # our own write coming back
                    continue
                landings.append(Landing(record=record, stamp=stamp, full=full, row=dict(full), ref=ref))
                continue
            row = self._resolve(plan, record, ref, full, current)
            if echo and record.get("LastModifiedById") == ours and self._nothing_new(plan, row, current):
                self.counts["echo_skipped"] += 1  # our own write coming back, nothing else changed there
                continue
            row["known_id"] = ref.contact_id  # a linked record updates its own contact, whatever the key
            landings.append(
                Landing(
                    record=record, stamp=stamp, full=full, row=row, ref=ref, contact_id=ref.contact_id, first_link=False
                )
            )
        Linker(puller=self, sobject=plan.sobject).decide([x for x in landings if x.first_link])
        with transaction.atomic():
            self._land(plan, [x for x in landings if x.after is None], currents)
            later = [x for x in landings if x.after is not None and x.after.contact_id is not None]
            for landing in later:  # onto the contact an earlier record of the page created: the same email
                landing.contact_id, landing.shared = landing.after.contact_id, True
                landing.row = {"known_id": landing.contact_id}
            self._land(plan, later)
            if conversions:
                self._follow_conversions(conversions)
            if cursor is not None and newest is not None:
                cursor.watermark = max(cursor.watermark, newest) if cursor.watermark else newest
                cursor.position = {"last_id": records[-1]["Id"], "run": self.run.pk}
                cursor.save(update_fields=["watermark", "position", "updated_at"])
        if plan.sync_flag_field:
            self._clear_flags(plan, records)

    def _brings_back(self, ref: ExternalRef, stamp: datetime | None) -> bool:
        """A record whose contact was deleted here comes back only when the setting allows it and the
        record changed there after the deletion."""
        if self.settings.deleted_here != SalesforceSettings.DeletedHere.WHEN_CHANGED:
            return False
        return bool(stamp and ref.contact_deleted_at and stamp > ref.contact_deleted_at)

    def plan_is_status(self, local: str) -> bool:
        return bool(self.settings.status_field) and local == f"custom:{self.settings.status_field}"

    def _clear_flags(self, plan: ObjectPlan, records: list[dict]) -> None:
        """Sync-flag mode: records brought in get their flag cleared, 200 a call (after the page committed:
        a run stopped in between reads them again, which changes nothing)."""
        flagged = [r["Id"] for r in records if truthy(r.get(plan.sync_flag_field))]
        if not flagged:
            return
        results = self.client.composite_update(
            [{"Id": record_id, plan.sync_flag_field: False} for record_id in flagged], sobject=plan.sobject
        )
        self.counts["flags_cleared"] += sum(1 for r in results if r.get("success"))
        self.counts["records_out"] += sum(1 for r in results if r.get("success"))

    def _currents(self, refs) -> dict[int, dict]:
        """The linked contacts' values now, by contact id (one query a page)."""
        return self._currents_of({ref.contact_id for ref in refs if ref.deleted_at is None})

    def _currents_of(self, ids: set[int]) -> dict[int, dict]:
        if not ids:
            return {}
        found = contacts_by_points(account_id=self.account.pk, ids=ids)
        return {r.pk: {name: getattr(r, name) for name in CONTACT_VALUE_FIELDS} for r in found}

    def _resolve(self, plan: ObjectPlan, record: dict, ref: ExternalRef, full: dict, current: dict) -> dict:
        """The fields of a linked record that Salesforce changed since the last sync (SPEC SF-7).

        A field only the platform changed is left for the push; a field both sides changed goes to the
        preferred system, and the losing value is written to the run's log.
        """
        compare = self.compare
        base = ref.synced_values or {}
        platform_wins = self.settings.preferred_system == SalesforceSettings.PreferredSystem.PLATFORM
        row = {}
        for local, value in full.items():
            if plan.is_status(local) or local not in base:
                row[local] = value  # derived, or never synced before: Salesforce's value stands
                continue
            if value == base[local]:
                continue
            theirs, before = compare(local, value), compare(local, base[local])
            if theirs == before:
                continue
            mine = contact_value(current, local)
            if compare(local, mine) not in (compare(local, baseline(base, local)), theirs):
                winner, kept, lost = ("platform", mine, value) if platform_wins else ("salesforce", value, mine)
                self.counts["conflicts_total"] += 1
                if len(self.conflicts) < CONFLICTS_KEPT:
                    self.conflicts.append(
                        {
                            "contact_id": ref.contact_id,
                            "object": plan.sobject,
                            "record": record["Id"],
                            "field": local,
                            "winner": winner,
                            "kept": loggable(kept),
                            "lost": loggable(lost),
                        }
                    )
                if platform_wins:
                    continue
            row[local] = value
        return row

    def _nothing_new(self, plan: ObjectPlan, row: dict, current: dict) -> bool:
        """Whether landing `row` would change nothing: only the status, and the contact already has it."""
        return all(
            plan.is_status(k) and self.compare(k, contact_value(current, k)) == self.compare(k, v)
            for k, v in row.items()
        )

    def _land(self, plan: ObjectPlan, landings: list[Landing], known: dict | None = None) -> None:
        """Write the records' values into their contacts, then their refs: each ref remembers the record's own
        values and, held, the contact's where they differ; the other records of a contact the page changed
        hold the new values, so the push never carries one record's value to another."""
        if not landings:
            return
        wanted = {x.contact_id for x in landings if x.contact_id}
        before = {pk: values for pk, values in (known or {}).items() if pk in wanted}
        before.update(self._currents_of(wanted - set(before)))
        result = contacts_upsert(
            account=self.account,
            rows=[x.row for x in landings],
            policy=self.policy,
            source=SOURCE,
            groups=self.groups,
            keep_outcomes=True,
        )
        after = self._currents_of({o.contact_id for o in result.outcomes if o.status != Status.REJECTED})
        refs, ok_ids, opt_outs, landed = [], [], {}, []
        for outcome in result.outcomes:
            landing = landings[outcome.index - 1]
            record = landing.record
            if outcome.status == Status.REJECTED:
                self._failed(plan, record, outcome.reason)
                continue
            landing.contact_id = outcome.contact_id
            landed.append(landing)
            self.counts[outcome.status] += 1
            if landing.shared:
                self.counts["shared_contact"] += 1
            elif landing.first_link and outcome.status != Status.NEW:
                self.counts["linked_existing"] += 1
            scope = landing.full if landing.first_link else landing.row
            synced = self._remembered(plan, landing, scope, after.get(outcome.contact_id, {}))
            refs.append((record["Id"], outcome.contact_id, landing.stamp, synced))
            ok_ids.append(record["Id"])
            for channel in plan.opted_out(record):
                opt_outs.setdefault(channel, set()).add(outcome.contact_id)
        refs_save(account_id=self.account.pk, connection_id=self.connection.pk, object_type=plan.sobject, rows=refs)
        self._hold_for_others(plan, landed, before, after)
        if self.has_open_errors():
            sync_errors_resolve(
                account=self.account,
                connection=self.connection,
                direction=SyncError.Direction.IN,
                object_type=plan.sobject,
                external_ids=ok_ids,
            )
        self._suppress(opt_outs)

    def _remembered(self, plan: ObjectPlan, landing: Landing, scope: dict, current: dict) -> dict:
        """A landed record's synced values: its own, in the platform's form where the contact holds the same
        value; and held, the contact's value where it holds another (None clears a held value)."""
        fill = self.settings.fill_salesforce_blanks and landing.first_link
        values: dict = {}
        for local in scope:
            if local == "known_id":
                continue
            theirs = landing.full.get(local, "")
            mine = contact_value(current, local)
            stored = "" if mine is None else loggable(mine)
            if stored == (theirs if theirs is not None else "") or self.compare(local, theirs) == self.compare(
                local, mine
            ):
                values[local] = stored
                if landing.ref is not None and (landing.ref.synced_values or {}).get(HELD + local) is not None:
                    values[HELD + local] = None
                continue
            values[local] = loggable(theirs)
            held = not plan.is_status(local) and not (fill and self.compare(local, theirs) == "")
            values[HELD + local] = stored if held else None
        return values

    def _hold_for_others(self, plan: ObjectPlan, landings: list[Landing], before: dict, after: dict) -> None:
        """The other records of contacts this page changed hold the new values instead of receiving them."""
        changed: dict[int, set[str]] = {}
        for landing in landings:
            old, new = before.get(landing.contact_id), after.get(landing.contact_id)
            if old is None or new is None:
                continue
            fields = set()
            for local in landing.row:
                if local == "known_id":
                    continue
                was, now = contact_value(old, local), contact_value(new, local)
                if was != now and self.compare(local, was) != self.compare(local, now):
                    fields.add(local)
            if fields:
                changed.setdefault(landing.contact_id, set()).update(fields)
        if not changed:
            return
        landed = {x.record["Id"] for x in landings}
        # Most contacts have one record: find the others by id first, read their synced values only if any.
        other_ids = [
            pk
            for pk, object_type, external_id in live_refs(self.connection)
            .filter(contact_id__in=list(changed))
            .values_list("pk", "object_type", "external_id")
            if object_type != plan.sobject or external_id not in landed
        ]
        if not other_ids:
            return
        others = ExternalRef.objects.filter(pk__in=other_ids).values_list("pk", "contact_id", "synced_values")
        merges = []
        for pk, contact_id, synced in others:
            synced = synced or {}
            values = {}
            for local in changed[contact_id] & set(synced):
                mine = contact_value(after[contact_id], local)
                same = self.compare(local, mine) == self.compare(local, synced[local])
                values[HELD + local] = None if same else ("" if mine is None else loggable(mine))
            merges.append((pk, values))
        synced_values_merge(rows=merges)

    def has_open_errors(self) -> bool:
        """Whether any inbound record of this connection failed before (checked once a run, and after a failure)."""
        if self._open_errors is None:
            self._open_errors = (
                SyncError.objects.filter(connection=self.connection, direction=SyncError.Direction.IN)
                .exclude(state=SyncError.State.RESOLVED)
                .exists()
            )
        return self._open_errors

    def _failed(self, plan: ObjectPlan, record: dict, reason: str) -> None:
        if not (record.get("Email") or record.get("MobilePhone") or record.get("Phone")):
            self.counts["no_contact_point"] += 1  # nothing to reach them by: not a contact for this platform
            return
        self.counts["failed"] += 1
        self._open_errors = True
        sync_error_record(
            account=self.account,
            connection=self.connection,
            direction=SyncError.Direction.IN,
            object_type=plan.sobject,
            external_id=record["Id"],
            code="rejected",
            message=reason,
            payload={k: v for k, v in record.items() if k != "attributes"},
            run=self.run,
        )

    def _suppress(self, opt_outs: dict[str, set[int]]) -> None:
        """Opt-outs become platform suppressions; a cleared box never lifts one (SPEC SF-9, UNS-4)."""
        for channel, contact_ids in opt_outs.items():
            column = "email" if channel == "email" else "phone"
            points = Contact.objects.filter(account=self.account, pk__in=contact_ids).values_list(column, flat=True)
            points = [p for p in points if p]
            if points:
                added = suppressions_add(
                    account=self.account,
                    points=points,
                    reason=Text(gettext_noop("Opted out in Salesforce")),
                    source=SOURCE,
                    channel=channel,
                )
                self.counts["opted_out"] += added["added"]

    def _follow_conversions(self, conversions: list[tuple[dict, ExternalRef | None]]) -> None:
        """A converted lead's contact continues as the Salesforce Contact: same platform contact, no new one."""
        for record, ref in conversions:
            contact_sf_id = record.get("ConvertedContactId")
            if ref is None or not contact_sf_id:
                self.counts["converted_unknown"] += 1  # converted before we knew it: the Contact brings it
                continue
            conversion_link(self, ref, contact_sf_id, last_modstamp=parse_datetime(record.get("SystemModstamp")))
            self.counts["converted"] += 1

    # --- deletions ----------------------------------------------------------------------------------

    def pull_deletes(self, plan: ObjectPlan) -> None:
        """Records deleted in Salesforce since the last look; a full reconcile when the 15-day log is too short."""
        cursor = self.cursor(f"{plan.sobject}.deleted")
        now = timezone.now()
        start = cursor.watermark or now
        if now - start < timedelta(minutes=2):
            return  # Salesforce answers whole minutes only
        if now - start >= DELETED_WINDOW - timedelta(hours=1):
            self.reconcile(plan)
            cursor.watermark = now
            cursor.save(update_fields=["watermark", "updated_at"])
            return
        try:
            answer = self.client.deleted(plan.sobject, start, now)
        except SalesforceRequestError as exc:
            if exc.error_code != "INVALID_REPLICATION_DATE":
                raise
            self.reconcile(plan)
            cursor.watermark = now
            cursor.save(update_fields=["watermark", "updated_at"])
            return
        earliest = parse_datetime(answer.get("earliestDateAvailable"))
        if earliest is not None and earliest > start:
            self.reconcile(plan)
        else:
            self.apply_deletes(plan, [d["id"] for d in answer.get("deletedRecords", [])])
        covered = parse_datetime(answer.get("latestDateCovered")) or now
        cursor.watermark = covered
        cursor.save(update_fields=["watermark", "updated_at"])

    def reconcile(self, plan: ObjectPlan) -> None:
        """Every id Salesforce still has, against every live reference of ours: the missing ones were deleted."""
        self.counts["reconciles"] += 1
        alive = {r["Id"] for records in self._pages(f"SELECT Id FROM {plan.sobject}") for r in records}
        ours = ExternalRef.objects.filter(
            connection=self.connection, object_type=plan.sobject, deleted_at__isnull=True, converted_to=""
        ).values_list("external_id", flat=True)
        self.apply_deletes(plan, [i for i in ours if i not in alive])

    @transaction.atomic
    def apply_deletes(self, plan: ObjectPlan, external_ids: list[str]) -> None:
        refs = ExternalRef.objects.filter(
            connection=self.connection, object_type=plan.sobject, external_id__in=external_ids, deleted_at__isnull=True
        )
        contact_ids = set(refs.values_list("contact_id", flat=True)) - {None}  # None: deleted here too
        refs.update(deleted_at=timezone.now())
        if not contact_ids:
            return
        self.counts["deleted"] += len(contact_ids)
        still_linked = set(
            ExternalRef.objects.filter(
                connection=self.connection, contact_id__in=contact_ids, deleted_at__isnull=True
            ).values_list("contact_id", flat=True)
        )
        gone = contact_ids - still_linked  # a contact also known as another live record stays as it is
        if self.settings.delete_mode == SalesforceSettings.DeleteMode.DELETE_CONTACT:
            contacts_delete(account=self.account, actor=None, contact_ids=gone, source=SOURCE)
            return
        group_ids = set(self.settings.synced_groups.values_list("pk", flat=True))
        if self.settings.inbound_group_id:
            group_ids.add(self.settings.inbound_group_id)
        for group in Group.objects.filter(account=self.account, pk__in=group_ids):
            if GroupMembership.objects.filter(group=group, contact_id__in=gone).exists():
                group_members_remove(account=self.account, actor=None, group=group, contact_ids=gone)

    # --- per-record retries -------------------------------------------------------------------------

    def retry_due(self, plans: list[ObjectPlan], now: datetime | None = None) -> None:
        """Records that failed before and whose backoff has passed: read again by id and landed again."""
        now = now or timezone.now()
        for plan in plans:
            due = list(
                SyncError.objects.filter(
                    account=self.account,
                    connection=self.connection,
                    direction=SyncError.Direction.IN,
                    object_type=plan.sobject,
                    state=SyncError.State.PENDING,
                    next_attempt_at__lte=now,
                )
                .exclude(external_id="")
                .values_list("external_id", flat=True)[:2000]
            )
            for start in range(0, len(due), RETRY_BATCH):
                ids = ", ".join(f"'{i}'" for i in due[start : start + RETRY_BATCH] if i.isalnum())
                if not ids:
                    continue
                for records in self._pages(f"SELECT {', '.join(plan.fields)} FROM {plan.sobject} WHERE Id IN ({ids})"):
                    self.counts["retried"] += len(records)
                    self.apply_page(plan, records, cursor=None, echo=False)
