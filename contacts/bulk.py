"""Bulk actions on many contacts at once (SPEC CON-4, CON-7): add to a group, remove from a group,
unsubscribe, delete; and adding a group's members by their phones or emails.

A selection is either ids a person ticked, or "every contact matching this search": the contacts list's
query string, with the highest contact id there was when the person looked at the count, so that the
action reaches what they confirmed and not the contacts added since. Up to INLINE_LIMIT contacts the
action runs at once; more run as a `BulkJob` in the background. Either way the work goes a chunk at a
time through the services (`group_members_add`, `group_members_remove`, `suppressions_add`,
`contacts_delete`), which write the events and the audit rows.
"""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from marketing.accounts.models import Account, User
from marketing.core.errors import ApplicationError, NotFound, TransientError
from marketing.core.jobs import job_claim, job_finish, job_give_back, job_renew
from marketing.core.normalize import InvalidContactPoint
from marketing.core.services import audit_record
from marketing.core.texts import stored

from . import selectors, services
from .forms import ContactFilterForm
from .models import BulkJob, Channel, Contact, Group
from .sources import Source

__all__ = [
    "CHUNK_SIZE",
    "INLINE_LIMIT",
    "Selection",
    "bulk_job_run",
    "bulk_job_start",
    "bulk_run",
    "group_members_add_points",
    "points_split",
    "selection_contacts",
    "selection_pinned",
]

INLINE_LIMIT = 500  # a larger selection runs in the background
CHUNK_SIZE = 1000  # contacts per transaction
LEASE = timedelta(minutes=5)  # a running job whose worker has not written for this long is taken over
Action = BulkJob.Action
UNSUBSCRIBE_CHANNELS = {"sms": (Channel.SMS,), "email": (Channel.EMAIL,), "both": (Channel.SMS, Channel.EMAIL)}
_POINT_COLUMN = {Channel.SMS: "phone", Channel.EMAIL: "email"}
_GROUP_GONE = gettext_noop("The group was deleted meanwhile.")


@dataclass(frozen=True)
class Selection:
    """Chosen contact ids, or (`matching`) every contact the list's `query` finds, up to the id `upto`."""

    ids: tuple[int, ...] = ()
    matching: bool = False
    query: str = ""
    upto: int | None = None

    def as_json(self) -> dict:
        if self.matching:
            return {"query": self.query, "upto": self.upto}
        return {"ids": list(self.ids)}

    @classmethod
    def from_json(cls, data: dict) -> "Selection":
        if "ids" in data:
            return cls(ids=tuple(int(pk) for pk in data["ids"]))
        return cls(matching=True, query=data.get("query", ""), upto=data.get("upto"))


def selection_contacts(*, account: Account, selection: Selection) -> QuerySet[Contact]:
    """The account's contacts in the selection. Chosen ids that are no contact of the account are NotFound
    (a forged id answers like a missing one, and nothing is done to the others)."""
    if not selection.matching:
        ids = set(selection.ids)
        contacts = Contact.objects.filter(account=account, pk__in=ids)
        if contacts.count() != len(ids):
            raise NotFound(_("Contact not found."))
        return contacts.order_by("-pk")
    form = ContactFilterForm(
        QueryDict(selection.query) or None,
        account=account,
        custom_fields=list(selectors.custom_field_list(account=account)),
    )
    if form.is_bound and not form.is_valid():
        if "group" in form.errors:
            raise NotFound(_("Group not found."))
        raise ApplicationError(_("The search of the contacts list is not valid: search again, then choose."))
    contacts = selectors.contact_list(account=account, **form.selector_kwargs())
    return contacts.filter(pk__lte=selection.upto) if selection.upto is not None else contacts


def selection_pinned(*, account: Account, selection: Selection) -> Selection:
    """A "matching" selection held to the contacts there are now: later ones stay out of it."""
    if not selection.matching or selection.upto is not None:
        return selection
    highest = Contact.objects.filter(account=account).aggregate(top=Max("pk"))["top"] or 0
    return Selection(matching=True, query=selection.query, upto=highest)


def _chunks(contacts: QuerySet[Contact], *, after: int | None = None):
    """The selection's ids a chunk at a time, newest first, from below the id `after`."""
    cursor = after
    while True:
        page = contacts if cursor is None else contacts.filter(pk__lt=cursor)
        ids = list(page.order_by("-pk").values_list("pk", flat=True)[:CHUNK_SIZE])
        if not ids:
            return
        yield ids
        cursor = ids[-1]


def _group(account: Account, params: dict) -> Group:
    group = Group.objects.filter(account=account, pk=params.get("group_id")).first()
    if group is None:
        raise ApplicationError(_(_GROUP_GONE), code="group_gone")
    return group


def _unsubscribe(account: Account, actor: User | None, ids: list[int], params: dict) -> Counter:
    counts = Counter()
    rows = list(Contact.objects.filter(account=account, pk__in=ids).values_list("phone", "email"))
    reason = params.get("reason") or stored(gettext_noop("Unsubscribed from the contacts list"))
    for channel in UNSUBSCRIBE_CHANNELS[params["channel"]]:
        column = 0 if channel == Channel.SMS else 1
        points = [row[column] for row in rows if row[column]]
        counts[f"{channel}_missing"] += len(rows) - len(points)
        if not points:
            continue
        result = services.suppressions_add(
            account=account, points=points, reason=reason, source=Source.SCREEN, actor=actor, channel=channel
        )
        counts[f"{channel}_added"] += result["added"]
        counts[f"{channel}_already"] += len(points) - result["added"] - len(result["rejected"])
    return counts


def _apply(account: Account, actor: User | None, action: str, params: dict, ids: list[int]) -> Counter:
    """Do the action to one chunk of contact ids (all of the account); counts of what happened."""
    if action == Action.ADD:
        result = services.group_members_add(
            account=account, actor=actor, group=_group(account, params), contact_ids=ids, source=Source.SCREEN
        )
        return Counter(added=result["added"], already=result["already"])
    if action == Action.REMOVE:
        removed = services.group_members_remove(
            account=account, actor=actor, group=_group(account, params), contact_ids=ids
        )
        return Counter(removed=removed, not_members=len(ids) - removed)
    if action == Action.UNSUBSCRIBE:
        return _unsubscribe(account, actor, ids, params)
    if action == Action.DELETE:
        return Counter(
            deleted=services.contacts_delete(account=account, actor=actor, contact_ids=ids, source=Source.SCREEN)
        )
    raise ApplicationError(_("Choose an action."))


def _audit(account: Account, actor: User | None, action: str, params: dict, counts: dict, group: Group | None):
    audit_record(
        account=account,
        actor=actor,
        action=f"contacts.bulk_{action}",
        target=group,
        data={**{k: v for k, v in params.items() if k != "reason"}, **counts},
    )


def bulk_run(*, account: Account, actor: User | None, action: str, params: dict, selection: Selection) -> dict:
    """Run the action on a selection now, in one transaction; returns the counts of what happened."""
    contacts = selection_contacts(account=account, selection=selection)
    counts: Counter = Counter()
    with transaction.atomic():
        group = _group(account, params) if action in (Action.ADD, Action.REMOVE) else None
        for ids in _chunks(contacts):
            counts.update(_apply(account, actor, action, params, ids))
        counts = +counts  # what did not happen is left out, as in a background job's result
        _audit(account, actor, action, params, dict(counts), group)
    return dict(counts)


@transaction.atomic
def bulk_job_start(
    *, account: Account, actor: User | None, action: str, params: dict, selection: Selection, total: int
) -> BulkJob:
    """Record a bulk action for the background; the caller queues `tasks.bulk_job` after commit."""
    if action not in Action.values:
        raise ApplicationError(_("Choose an action."))
    group = _group(account, params) if action in (Action.ADD, Action.REMOVE) else None
    return BulkJob.objects.create(
        account=account,
        action=action,
        params=params,
        selection=selection_pinned(account=account, selection=selection).as_json(),
        group=group,
        group_name=group.name if group else "",
        total=total,
        created_by=actor,
    )


def bulk_job_run(*, job: BulkJob) -> BulkJob:
    """Run a bulk job a chunk at a time; each chunk's work and the job's progress commit together.

    A job another worker holds raises JobBusy; a finished one is left as it is (a job delivered twice runs
    once); a passing fault gives the job back, and the retried task goes on from its last chunk.
    """
    if not job_claim(job=job, lease=LEASE):
        return job
    account, actor = job.account, job.created_by
    try:
        group = _group(account, job.params) if job.action in (Action.ADD, Action.REMOVE) else None
        contacts = selection_contacts(account=account, selection=Selection.from_json(job.selection))
        for ids in _chunks(contacts, after=job.cursor):
            with transaction.atomic():
                counts = Counter(job.result) + _apply(account, actor, job.action, job.params, ids)
                done = min(job.total, job.done + len(ids))
                job_renew(job=job, lease=LEASE, result=dict(counts), cursor=ids[-1], done=done)
    except TransientError:
        job.refresh_from_db(fields=["result", "cursor", "done"])  # what the last committed chunk wrote
        job_give_back(job=job)
        raise
    except ApplicationError as exc:
        error = stored(gettext_noop(_GROUP_GONE)) if exc.code == "group_gone" else exc.message
        _failed(job, error)
        return job
    except Exception:
        _failed(job, stored(gettext_noop("The action stopped on an unexpected error.")))
        raise
    with transaction.atomic():
        _audit(account, actor, job.action, job.params, job.result, group)
        job_finish(job=job, status=BulkJob.Status.DONE, done=job.total)
    return job


def _failed(job: BulkJob, error: str) -> None:
    job.refresh_from_db(fields=["result", "cursor", "done"])  # what the last committed chunk wrote
    job_finish(job=job, status=BulkJob.Status.FAILED, error=error)


# --- a group's members by their phones or emails ----------------------------------------------------------

MAX_POINTS = 10_000
_SEPARATORS = re.compile(r"[\n\r,;]+")


def points_split(text: str) -> list[str]:
    """The phones and emails of a pasted text: one per line, or separated by commas or semicolons."""
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]


@transaction.atomic
def group_members_add_points(
    *, account: Account, actor: User | None, group: Group, values: list[str], create_missing: bool
) -> dict:
    """Add to `group` every contact holding one of these phones or emails.

    A value that is no phone or email is reported in `invalid` with the reason. A valid one that no contact
    holds is reported in `unknown`, unless `create_missing`: then a contact is created for it, through the
    upsert engine, and joins the group. Returns {"added", "already", "created", "unknown", "invalid"}.
    """
    if group.account_id != account.pk:
        raise NotFound(_("Group not found."))
    invalid: list[tuple[str, str]] = []
    wanted: dict[tuple[str, str], str] = {}  # (channel, normalized point) -> as typed
    for value in values:
        try:
            channel, point = services.point_normalize(account=account, value=value)
        except InvalidContactPoint as exc:
            invalid.append((value, exc.message))
            continue
        wanted.setdefault((channel, point), value)
    emails = {p for c, p in wanted if c == Channel.EMAIL}
    phones = {p for c, p in wanted if c == Channel.SMS}
    holders = Contact.objects.filter(Q(email__in=emails) | Q(phone__in=phones), account=account)
    contact_ids, held = set(), set()
    for pk, email, phone in holders.values_list("pk", "email", "phone"):
        contact_ids.add(pk)
        held |= {(Channel.EMAIL, email), (Channel.SMS, phone)}
    missing = [key for key in wanted if key not in held]
    result = {"added": 0, "already": 0, "created": 0, "unknown": [], "invalid": invalid}
    if contact_ids:
        added = services.group_members_add(
            account=account, actor=actor, group=group, contact_ids=sorted(contact_ids), source=Source.SCREEN
        )
        result["added"], result["already"] = added["added"], added["already"]
    if missing and create_missing:
        made = services.contacts_upsert(
            account=account,
            rows=[{_POINT_COLUMN[channel]: point} for channel, point in missing],
            policy=services.Policy(update_existing=False),
            source=Source.SCREEN,
            groups=[group],
            actor=actor,
        )
        result["created"] = made.new
        result["added"] += made.new
    elif missing:
        result["unknown"] = [wanted[key] for key in missing]
    return result
