"""Contacts, groups and suppressions: every write goes through here."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from automations.services import EventKind, events_emit, events_emit_many
from marketing.accounts.models import Account, User
from marketing.core.errors import ApplicationError, NotFound
from marketing.core.models import AuditEntry
from marketing.core.normalize import InvalidContactPoint, email_normalize, phone_normalize
from marketing.core.services import audit_entry, audit_record
from marketing.core.tenancy import ensure_owned
from marketing.core.texts import Text, storable
from marketing.tokens.models import ApiToken

from .models import Channel, Contact, Group, GroupMembership, Suppression, SuppressionEvent
from .sources import Source
from .upsert import Policy, RowOutcome, Status, UpsertResult, contacts_upsert, memberships_add

Actor = User | ApiToken | None  # who acts: a person, an API token (a write through the API), or the system

__all__ = [
    "Policy",
    "RowOutcome",
    "Status",
    "UpsertResult",
    "contacts_upsert",
    "group_create",
    "group_get_or_create",
    "group_members_add",
    "group_rename",
    "group_delete",
    "group_merge",
    "group_members_remove",
    "contact_delete",
    "contacts_delete",
    "suppressions_add",
    "suppression_resubscribe",
    "suppression_add_point",
    "PointUnsubscribe",
    "point_normalize",
]


def _group_name(account: Account, name: str, *, exclude: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("The group needs a name."))
    taken = Group.objects.filter(account=account, name=name)
    if exclude:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ApplicationError(
            _("A group named “%(name)s” already exists.") % {"name": name}, code="conflict", status=409
        )
    return name


@transaction.atomic
def group_create(
    *, account: Account, actor: User | None, name: str, kind: str = Group.Kind.REGULAR, source: str = ""
) -> Group:
    group = Group.objects.create(account=account, name=_group_name(account, name), kind=kind)
    payload = {"group_id": group.pk, "name": group.name, "kind": group.kind}
    events_emit(account=account, kind=EventKind.GROUP_CREATED, payload=_with_source(payload, source))
    audit_record(account=account, actor=actor, action="group.create", target=group)
    return group


def group_get_or_create(*, account: Account, actor: Actor, name: str, source: str = "") -> Group:
    """The account's group named `name` (surrounding spaces ignored); created, with its audit row, when missing."""
    name = (name or "").strip()
    found = Group.objects.filter(account=account, name=name).first()
    if found is not None:
        return found
    try:
        return group_create(account=account, actor=actor, name=name, source=source)
    except IntegrityError:  # created meanwhile by another request: that one is the group
        return Group.objects.get(account=account, name=name)
    except ApplicationError as exc:
        if exc.code != "conflict":
            raise
        return Group.objects.get(account=account, name=name)


@transaction.atomic
def group_members_add(*, account: Account, actor: Actor, group: Group, contact_ids: Iterable[int], source: str) -> dict:
    """Add contacts of the account to `group`, through the upsert engine (which writes the join events).

    Returns {"added", "already", "not_found"}: ids that are no contact of the account are listed in
    `not_found` and change nothing. The audit row counts the contacts that joined.
    """
    ensure_owned(account, group)
    ids = list(dict.fromkeys(contact_ids))
    already = set(
        GroupMembership.objects.filter(account=account, group=group, contact_id__in=ids).values_list(
            "contact_id", flat=True
        )
    )
    result = contacts_upsert(
        account=account,
        rows=[{"id": contact_id} for contact_id in ids],
        policy=Policy(add_new=False, update_existing=False),
        source=source,
        groups=[group],
        keep_outcomes=True,
        actor=actor,
    )
    not_found = [ids[outcome.index - 1] for outcome in result.outcomes if outcome.status == Status.REJECTED]
    added = len(ids) - len(not_found) - len(already)
    if added:
        audit_record(account=account, actor=actor, action="group.members_add", target=group, data={"count": added})
    return {"added": added, "already": len(already), "not_found": not_found}


@transaction.atomic
def group_rename(*, account: Account, actor: User | None, group: Group, name: str) -> Group:
    ensure_owned(account, group)
    old = group.name
    group.name = _group_name(account, name, exclude=group.pk)
    group.save(update_fields=["name"])
    audit_record(account=account, actor=actor, action="group.rename", target=group, data={"old": old})
    return group


@transaction.atomic
def group_delete(*, account: Account, actor: User | None, group: Group) -> None:
    """Delete a group; its contacts stay."""
    ensure_owned(account, group)
    audit_record(account=account, actor=actor, action="group.delete", target=group, data={"name": group.name})
    group.delete()


@transaction.atomic
def group_merge(*, account: Account, actor: User | None, source: Group, target: Group) -> Group:
    """Move every member of `source` into `target`, then delete `source` (SPEC CON-4)."""
    ensure_owned(account, source, target)
    if source.pk == target.pk:
        raise ApplicationError(_("Choose two different groups."))
    member_ids = set(GroupMembership.objects.filter(group=source).values_list("contact_id", flat=True))
    moved = memberships_add(account=account, group_id=target.pk, contact_ids=member_ids, source=Source.MERGE)
    name = source.name
    source.delete()
    if moved:
        events_emit(account=account, kind=EventKind.GROUP_JOINED, payload={"group_id": target.pk, "contact_ids": moved})
    audit_record(
        account=account, actor=actor, action="group.merge", target=target, data={"from": name, "moved": len(moved)}
    )
    return target


@transaction.atomic
def group_members_remove(*, account: Account, actor: User | None, group: Group, contact_ids: Iterable[int]) -> int:
    ensure_owned(account, group)
    gone = sorted(
        GroupMembership.objects.filter(group=group, contact_id__in=list(contact_ids)).values_list(
            "contact_id", flat=True
        )
    )
    GroupMembership.objects.filter(group=group, contact_id__in=gone).delete()
    if gone:
        events_emit(account=account, kind=EventKind.GROUP_LEFT, payload={"group_id": group.pk, "contact_ids": gone})
    return len(gone)


@transaction.atomic
def contact_delete(*, account: Account, actor: User | None, contact: Contact, source: str = "") -> None:
    """Delete a contact. Send history keeps its own copy of the recipient (SPEC CON-6)."""
    ensure_owned(account, contact)
    contacts_delete(account=account, actor=actor, contact_ids=[contact.pk], source=source)


@transaction.atomic
def contacts_delete(*, account: Account, actor: User | None, contact_ids: Iterable[int], source: str) -> int:
    """Delete contacts of `account`; ids of another account's contacts, or of contacts gone already, are passed over.

    One audit row per contact, so each contact's deletion is found by its id as after `contact_delete`, and one
    `contact.deleted` event for the batch. Returns how many were deleted.
    """
    found = list(
        Contact.objects.filter(account=account, pk__in=list(contact_ids))
        .order_by("pk")
        .only("first_name", "last_name", "email", "phone")
    )
    if not found:
        return 0
    data = _with_source({}, source)
    AuditEntry.objects.bulk_create(
        [
            audit_entry(
                account=account,
                actor=actor,
                action="contact.delete",
                target=contact,
                data={"name": str(contact), **data},
            )
            for contact in found
        ],
        batch_size=5000,
    )
    ids = [contact.pk for contact in found]
    Contact.objects.filter(pk__in=ids).delete()
    events_emit(account=account, kind=EventKind.CONTACT_DELETED, payload=_with_source({"contact_ids": ids}, source))
    return len(ids)


def _with_source(payload: dict, source: str) -> dict:
    return {**payload, "source": source} if source else payload


def point_normalize(*, account: Account, value: str) -> tuple[str, str]:
    """(channel, normalized point) for an email address or a phone number.

    A value with letters and no "@" was meant as an email address, so it is refused as one.
    """
    value = (value or "").strip()
    if "@" in value:
        return Channel.EMAIL, email_normalize(value)
    if any(ch.isalpha() for ch in value):
        reason = Text(gettext_noop("it has no @ sign."))
        message = Text(gettext_noop("“%(value)s” is not a valid email address: %(reason)s"), value=value, reason=reason)
        raise InvalidContactPoint(message, details={"value": value})
    return Channel.SMS, phone_normalize(value, region=account.default_region)


@transaction.atomic
def suppressions_add(
    *,
    account: Account,
    points: Iterable[str],
    reason: str | Text,
    source: str,
    actor: User | None = None,
    channel: str | None = None,
) -> dict:
    """Unsubscribe contact points (SPEC UNS-1…3). Returns counts and the rejected values with reasons.

    `reason`: a person's own words, or the platform's (a `Text` or `texts.stored`), kept as a message id that each
    reader sees in their own language.
    """
    reason = storable(reason)
    added, already, rejected = [], 0, []
    seen = set()
    for raw in points:
        if not str(raw or "").strip():
            continue
        try:
            point_channel, point = point_normalize(account=account, value=str(raw))
        except InvalidContactPoint as exc:
            rejected.append((str(raw), exc.message))
            continue
        point_channel = channel or point_channel
        if (point_channel, point) in seen:
            continue
        seen.add((point_channel, point))
        added.append((point_channel, point))
    existing = {
        (c, p)
        for c, p in Suppression.objects.filter(account=account, point__in=[p for _, p in added]).values_list(
            "channel", "point"
        )
    }
    fresh = [(c, p) for c, p in added if (c, p) not in existing]
    already = len(added) - len(fresh)
    now = timezone.now()
    Suppression.objects.bulk_create(
        [
            Suppression(account=account, channel=c, point=p, reason=reason, source=source, created_at=now)
            for c, p in fresh
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    SuppressionEvent.objects.bulk_create(
        [
            SuppressionEvent(
                account=account,
                channel=c,
                point=p,
                action=SuppressionEvent.Action.SUPPRESSED,
                reason=reason,
                source=source,
                actor=actor,
                created_at=now,
            )
            for c, p in fresh
        ],
        batch_size=5000,
    )
    events_emit_many(
        account=account,
        events=[
            (
                EventKind.CONTACT_UNSUBSCRIBED,
                {"channel": c, "points": [p for cc, p in fresh if cc == c], "source": source},
            )
            for c in sorted({c for c, _ in fresh})
        ],
    )
    return {"added": len(fresh), "already": already, "rejected": rejected}


@transaction.atomic
def suppression_resubscribe(*, account: Account, actor: User, channel: str, point: str, reason: str) -> None:
    """The only way back from an unsubscribe: explicit, by a person, recorded (SPEC UNS-4)."""
    if not (reason or "").strip():
        raise ApplicationError(_("Say why this contact point may receive messages again."))
    deleted, _count = Suppression.objects.filter(account=account, channel=channel, point=point).delete()
    if not deleted:
        raise NotFound(_("This contact point is not unsubscribed."))
    SuppressionEvent.objects.create(
        account=account,
        channel=channel,
        point=point,
        action=SuppressionEvent.Action.RESUBSCRIBED,
        reason=reason.strip(),
        source=Source.SCREEN,
        actor=actor,
    )
    events_emit(
        account=account,
        kind=EventKind.CONTACT_RESUBSCRIBED,
        payload={"channel": channel, "points": [point], "source": Source.SCREEN},
    )
    audit_record(
        account=account, actor=actor, action="suppression.resubscribe", data={"channel": channel, "point": point}
    )


@dataclass(frozen=True)
class PointUnsubscribe:
    """What unsubscribing one typed phone or email did."""

    channel: str  # the typed point's own channel
    point: str  # the typed point, normalized
    done: list[tuple[str, str, bool]] = field(default_factory=list)  # (channel, point, unsubscribed now)
    missing: list[str] = field(default_factory=list)  # channels asked for on which no contact of the point has one


def _points_of_same_contacts(account: Account, channel: str, point: str, wanted: str) -> list[str]:
    """The `wanted`-channel points (phones for SMS, emails for email) of the contacts that hold `point`."""
    if wanted == channel:
        return [point]
    have, want = ("phone", "email") if channel == Channel.SMS else ("email", "phone")
    found = Contact.objects.filter(account=account, **{have: point}).exclude(**{want: ""})
    return sorted(set(found.values_list(want, flat=True)))


@transaction.atomic
def suppression_add_point(
    *, account: Account, actor: User, value: str, channels: Iterable[str], reason: str = ""
) -> PointUnsubscribe:
    """Unsubscribe one phone or email a person typed (SPEC UNS-2), on the channels they chose.

    The point stops on its own channel, whether or not it belongs to a contact. The other channel reaches
    the points the contacts holding it have there (the email of the contact with this phone). Raises
    InvalidContactPoint for a value that is no phone or email, and ApplicationError (code
    "no_point_on_channel") when no channel asked for has a point to unsubscribe.
    """
    own, point = point_normalize(account=account, value=value)
    result = PointUnsubscribe(channel=own, point=point)
    asked = set(channels)
    for channel in (c for c in (Channel.SMS, Channel.EMAIL) if c in asked):
        targets = _points_of_same_contacts(account, own, point, channel)
        for target in targets:
            outcome = suppressions_add(
                account=account, points=[target], reason=reason, source=Source.SCREEN, actor=actor, channel=channel
            )
            if outcome["rejected"]:  # a contact's point stored before today's rules: nothing to stop there
                continue
            result.done.append((channel, target, bool(outcome["added"])))
            if outcome["added"]:
                audit_record(
                    account=account, actor=actor, action="suppression.add", data={"channel": channel, "point": target}
                )
        if not any(done[0] == channel for done in result.done):
            result.missing.append(channel)
    if not result.done:
        if own == Channel.SMS:
            message = _("No contact with this phone number has an email address to unsubscribe. Choose SMS.")
        else:
            message = _("No contact with this email address has a phone number to unsubscribe. Choose email.")
        raise ApplicationError(message, code="no_point_on_channel", details={"field": "channel"})
    return result
