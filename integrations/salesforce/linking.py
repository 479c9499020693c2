"""Which platform contact a Salesforce record lands on, and what each side keeps (SPEC SF-4, SF-7, CON-1).

The rules, so that connecting an org never rewrites it:

- Each record is linked to exactly one contact. Two records share a contact only when the unique key
  is the email and their emails are equal, never because of a phone alone. Otherwise a record first
  seen is linked to a contact nobody links yet that has its email (or its phone, when the emails do not
  disagree), or gets a contact of its own.
- When a record meets a contact another record already stands for, the contact takes its values only
  when it outranks the others: a Contact over a Lead, and between records of one object the newest
  change. Later, whichever record changes a value last gives it to the contact.
- A record always keeps its own values in Salesforce. Where the contact holds another value (from the
  other record, from the platform when the record was first linked, or because a contact never loses
  its last way to be reached), that value is noted as held (`held:<field>` in the ref's synced values)
  and the push measures platform changes against it, so nothing goes out that nobody changed here.
"""

from dataclasses import dataclass
from datetime import datetime

from contacts.selectors import contacts_by_points

from ..models import ExternalRef
from .models import SalesforceSettings

HELD = "held:"
RANK = {"Lead": 1, "Contact": 2}  # at a first meeting, a Contact's values over a Lead's


def baseline(synced: dict, local: str):
    """What a platform change of `local` is measured against: the held contact value, else the synced one."""
    held = synced.get(HELD + local)
    return synced.get(local) if held is None else held


@dataclass
class Landing:
    """One record of a page on its way to a contact."""

    record: dict
    stamp: datetime | None
    full: dict  # every mapped value of the record, as the platform would store it
    row: dict  # what goes into the contact
    ref: ExternalRef | None
    contact_id: int | None = None  # the contact it lands on; None: a new one
    first_link: bool = True  # not linked to its contact before this page
    shared: bool = False  # the contact stands for another record too
    after: "Landing | None" = None  # lands on the contact an earlier record of the page creates


class Linker:
    """Decides the contacts of a page's unlinked records."""

    def __init__(self, *, puller, sobject: str):
        self.puller = puller
        self.sobject = sobject
        self.by_email = puller.settings.unique_key == SalesforceSettings.UniqueKey.EMAIL
        self.platform_first = puller.settings.preferred_system == SalesforceSettings.PreferredSystem.PLATFORM

    def decide(self, landings: list[Landing]) -> None:
        if not landings:
            return
        keys = [(self._email(x.full.get("email")), self._phone(x.full.get("phone"))) for x in landings]
        previous = {x.ref.contact_id for x in landings if x.ref is not None and x.ref.contact_id}
        found = contacts_by_points(
            account_id=self.puller.account.pk,
            ids=previous,
            emails={e for e, _p in keys if e},
            phones={p for _e, p in keys if p},
        )
        by_id = {r.pk: r for r in found}
        with_email: dict[str, list] = {}  # oldest first, as found
        with_phone: dict[str, list] = {}
        for r in found:
            if r.email:
                with_email.setdefault(r.email, []).append(r)
            if r.phone:
                with_phone.setdefault(r.phone, []).append(r)
        others = self._linked(set(by_id))
        taken: set[int] = set()  # contacts a record of this page links to
        creating: dict[str, Landing] = {}  # email -> the record of this page whose new contact it is
        for landing, (email, phone) in zip(landings, keys, strict=True):
            prior = landing.ref.contact_id if landing.ref is not None else None
            if prior in by_id and prior not in others and prior not in taken:
                self._onto(landing, prior, others, shared=False)  # back after a deletion there: its own contact
                taken.add(prior)
                continue
            if self.by_email and email:
                if email in creating:
                    landing.after = creating[email]
                    continue
                shared = next((r.pk for r in with_email.get(email, ()) if r.pk in others or r.pk in taken), None)
                if shared is not None:
                    self._onto(landing, shared, others, shared=True)
                    continue
            free = None
            if email:
                free = next((r.pk for r in with_email.get(email, ()) if self._free(r.pk, others, taken)), None)
            if free is None and phone:
                free = next(
                    (
                        r.pk
                        for r in with_phone.get(phone, ())
                        if (not r.email or not email) and self._free(r.pk, others, taken)
                    ),
                    None,
                )
            if free is not None:
                self._onto(landing, free, others, shared=False)
                taken.add(free)
            elif self.by_email and email:
                creating[email] = landing

    def _email(self, value) -> str:
        return self.puller.compare.point("email", value)

    def _phone(self, value) -> str:
        return self.puller.compare.point("phone", value)

    def _free(self, pk: int, others: dict, taken: set) -> bool:
        return pk not in others and pk not in taken

    def _linked(self, contact_ids: set[int]) -> dict[int, list[tuple[str, datetime | None]]]:
        """(object, last change there) of the records already standing for each of these contacts."""
        linked: dict[int, list] = {}
        if not contact_ids:
            return linked
        rows = ExternalRef.objects.filter(
            connection=self.puller.connection, contact_id__in=contact_ids, deleted_at__isnull=True, converted_to=""
        ).values_list("contact_id", "object_type", "last_modstamp")
        for contact_id, object_type, stamp in rows:
            linked.setdefault(contact_id, []).append((object_type, stamp))
        return linked

    def _onto(self, landing: Landing, contact_id: int, others: dict, *, shared: bool) -> None:
        landing.contact_id = contact_id
        landing.shared = shared
        if shared and not self._outranks(landing, others.get(contact_id, [])):
            landing.row = {}  # the contact keeps the values it has; the record keeps its own there
        elif self.platform_first and not shared:
            landing.row = {k: v for k, v in landing.row.items() if self.puller.plan_is_status(k)}
        else:  # what the record has comes in; what it lacks does not empty the contact
            landing.row = {k: v for k, v in landing.row.items() if v not in (None, "")}
        landing.row["known_id"] = contact_id

    def _outranks(self, landing: Landing, linked: list[tuple[str, datetime | None]]) -> bool:
        mine = RANK.get(self.sobject, 0)
        for object_type, stamp in linked:
            theirs = RANK.get(object_type, 0)
            if theirs > mine:
                return False
            if theirs == mine and stamp is not None and (landing.stamp is None or stamp >= landing.stamp):
                return False
        return True
