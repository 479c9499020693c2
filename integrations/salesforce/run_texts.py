"""A Salesforce run's log in words (SPEC SF-16, UX-1): every counter the engine writes into a run's details,
each stage a running run goes through, what a push run sent, and the codes of per-record errors, each with a
label in the reader's language and, where it helps, one line that explains it.

The engine's counters are written in `pull.py`, `push.py` and `outbound.py` (`counts["…"]`, and the upsert
engine's outcomes `new`, `updated`, `unchanged`); tests/integrations/salesforce/test_run_texts.py holds this
list equal to what the code writes.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.schema import account_fields

from .models import SalesforceSettings
from .progress import STAGE

IN, OUT = "in", "out"


@dataclass(frozen=True)
class CountLabel:
    key: str
    side: str  # IN: about records coming here; OUT: about writes to Salesforce
    label: Promise
    help: Promise | str = ""


COUNTERS: tuple[CountLabel, ...] = (
    CountLabel(
        "received",
        IN,
        gettext_lazy("Records read from Salesforce"),
        gettext_lazy("Every record Salesforce sent in this run, including records read again."),
    ),
    CountLabel("new", IN, gettext_lazy("New contacts"), gettext_lazy("Contacts created here from Salesforce records.")),
    CountLabel(
        "updated", IN, gettext_lazy("Contacts updated"), gettext_lazy("Contacts whose values changed to Salesforce's.")
    ),
    CountLabel(
        "unchanged",
        IN,
        gettext_lazy("Already up to date"),
        gettext_lazy("Records whose contact here already had the same values."),
    ),
    CountLabel(
        "linked_existing",
        IN,
        gettext_lazy("Linked to existing contacts"),
        gettext_lazy("Records seen for the first time, linked to a contact that was already here."),
    ),
    CountLabel(
        "shared_contact",
        IN,
        gettext_lazy("Sharing a contact with another record"),
        gettext_lazy(
            "Records that landed on a contact another record already stands for: the unique key is the email "
            "and both have the same email."
        ),
    ),
    CountLabel(
        "brought_back",
        IN,
        gettext_lazy("Brought back"),
        gettext_lazy("Records whose contact was deleted here and that changed in Salesforce since, so it came back."),
    ),
    CountLabel(
        "converted",
        IN,
        gettext_lazy("Converted leads followed"),
        gettext_lazy("Leads converted in Salesforce: the same contact here goes on as the Salesforce contact."),
    ),
    CountLabel(
        "opted_out",
        IN,
        gettext_lazy("Opt-outs brought in"),
        gettext_lazy("Emails or phone numbers added to the unsubscribes because the record is opted out there."),
    ),
    CountLabel(
        "deleted",
        IN,
        gettext_lazy("Deleted in Salesforce"),
        gettext_lazy("Contacts whose Salesforce record was deleted, handled as the settings say."),
    ),
    CountLabel(
        "retried",
        IN,
        gettext_lazy("Failed records read again"),
        gettext_lazy("Records that failed before, read again."),
    ),
    CountLabel(
        "already_synced",
        IN,
        gettext_lazy("Read again, already synced"),
        gettext_lazy("Records read again in the safety overlap with the previous run; nothing was applied twice."),
    ),
    CountLabel(
        "echo_skipped",
        IN,
        gettext_lazy("This platform's own changes"),
        gettext_lazy("Changes this platform wrote to Salesforce, read back; nothing new to apply."),
    ),
    CountLabel(
        "deleted_here_kept",
        IN,
        gettext_lazy("Deleted here, left deleted"),
        gettext_lazy("Records whose contact was deleted on this platform; the settings say not to bring it back."),
    ),
    CountLabel(
        "no_contact_point",
        IN,
        gettext_lazy("Without an email or a phone"),
        gettext_lazy("Records with neither are not brought in: no message could reach them."),
    ),
    CountLabel(
        "converted_unknown",
        IN,
        gettext_lazy("Leads converted before they synced"),
        gettext_lazy("The Salesforce contact each became brings the person in."),
    ),
    CountLabel(
        "converted_into_linked",
        IN,
        gettext_lazy("Converted into another contact's record"),
        gettext_lazy(
            "Leads converted into a Salesforce contact that another contact here stands for; see the errors below."
        ),
    ),
    CountLabel(
        "failed",
        IN,
        gettext_lazy("Refused here"),
        gettext_lazy("Records this platform could not take; see the errors below."),
    ),
    CountLabel(
        "conflicts_total",
        IN,
        gettext_lazy("Fields changed on both sides"),
        gettext_lazy(
            "Fields changed both here and in Salesforce since the last sync; the preferred system's value was kept."
        ),
    ),
    CountLabel(
        "bulk_queries",
        IN,
        gettext_lazy("Bulk reads"),
        gettext_lazy("Large first reads done with Salesforce's Bulk API, in a few API calls."),
    ),
    CountLabel(
        "reconciles",
        IN,
        gettext_lazy("Full deletion checks"),
        gettext_lazy("Every record compared with Salesforce, as its deletion log did not reach back far enough."),
    ),
    CountLabel(
        "created_there",
        OUT,
        gettext_lazy("Created in Salesforce"),
        gettext_lazy("New Salesforce records for contacts of the synced groups."),
    ),
    CountLabel(
        "linked_there",
        OUT,
        gettext_lazy("Linked to existing Salesforce records"),
        gettext_lazy("Contacts of the synced groups found in Salesforce by their email; nothing was written."),
    ),
    CountLabel(
        "flags_cleared",
        OUT,
        gettext_lazy("Sync flags cleared"),
        gettext_lazy("Records whose sync flag was cleared in Salesforce after they were brought in."),
    ),
    CountLabel(
        "optouts_pushed",
        OUT,
        gettext_lazy("Opt-outs written"),
        gettext_lazy("Records whose opt-out field was set in Salesforce."),
    ),
    CountLabel(
        "markers",
        OUT,
        gettext_lazy("Removed-from-group markers"),
        gettext_lazy("Records whose removed-from-group marker was set or cleared."),
    ),
    CountLabel(
        "deleted_there",
        OUT,
        gettext_lazy("Deleted in Salesforce meanwhile"),
        gettext_lazy("Records deleted in Salesforce after they were last read; handled as deletions."),
    ),
    CountLabel(
        "lock_retries",
        OUT,
        gettext_lazy("Written again after a lock"),
        gettext_lazy("Records Salesforce had locked for a moment, written again after a pause."),
    ),
    CountLabel(
        "partial_retries",
        OUT,
        gettext_lazy("Written without refused fields"),
        gettext_lazy("Records written again without the fields Salesforce refused; those fields stay in the errors."),
    ),
    CountLabel(
        "bulk_jobs", OUT, gettext_lazy("Bulk writes"), gettext_lazy("Large writes done with Salesforce's Bulk API.")
    ),
    CountLabel(
        "bulk_refused",
        OUT,
        gettext_lazy("Bulk writes sent again in batches"),
        gettext_lazy("Bulk writes Salesforce refused as a whole, sent again 200 records a call."),
    ),
    CountLabel(
        "failed_out",
        OUT,
        gettext_lazy("Refused by Salesforce"),
        gettext_lazy("Writes Salesforce refused; see the errors below."),
    ),
)
BY_KEY = {counter.key: counter for counter in COUNTERS}
# Details shown elsewhere on the run's page (the totals, the conflicts table, the stage, what a push sent),
# and the upsert engine's "rejected", which the pull reports as "failed" or "no_contact_point".
SHOWN_ELSEWHERE = frozenset({"records_out", "conflicts", STAGE, "what", "rejected"})

STAGES = {
    "pull": gettext_lazy("Reading %(object)s records from Salesforce"),
    "push": gettext_lazy("Writing changes to Salesforce"),
    "deletes": gettext_lazy("Looking for records deleted in Salesforce"),
    "retries": gettext_lazy("Retrying records that failed before"),
}

PUSHED = {
    "optouts": gettext_lazy("Unsubscribes"),
    "markers": gettext_lazy("Removed-from-group markers"),
    "past_optouts": gettext_lazy("Past unsubscribes"),
}

# Codes of per-record errors: this platform's own, and Salesforce's most common ones. Any other code is
# Salesforce's, shown as it came.
ERROR_CODES = {
    "rejected": gettext_lazy("This platform refused it"),
    "converted_into_linked_contact": gettext_lazy("The lead became another contact's record"),
    "CANNOT_UPDATE_CONVERTED_LEAD": gettext_lazy("The lead was converted"),
    "UNPROCESSED": gettext_lazy("Not processed by Salesforce"),
    "REQUIRED_FIELD_MISSING": gettext_lazy("A required field is empty"),
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": gettext_lazy("A Salesforce validation rule refused it"),
    "DUPLICATE_VALUE": gettext_lazy("The value exists on another record"),
    "DUPLICATES_DETECTED": gettext_lazy("A Salesforce duplicate rule refused it"),
    "INVALID_EMAIL_ADDRESS": gettext_lazy("Salesforce does not accept the email address"),
    "STRING_TOO_LONG": gettext_lazy("A value is too long for Salesforce"),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": gettext_lazy("A value is not in the picklist"),
    "INSUFFICIENT_ACCESS_OR_READONLY": gettext_lazy("No permission to change the record"),
    "INVALID_FIELD_FOR_INSERT_UPDATE": gettext_lazy("A field cannot be written"),
    "ENTITY_IS_DELETED": gettext_lazy("The record was deleted in Salesforce"),
    "UNABLE_TO_LOCK_ROW": gettext_lazy("The record was locked"),
}


def error_code_label(code: str) -> str:
    """What a per-record error's code means, in words; "" for a code of Salesforce's not listed here."""
    label = ERROR_CODES.get(code)
    return str(label) if label is not None else ""


def object_label(sobject: str) -> str:
    return str(dict(SalesforceSettings.NewContactObject.choices).get(sobject, sobject))


def stage_text(details: dict | None) -> str:
    """What a running run is doing, in words."""
    stage = (details or {}).get(STAGE)
    if not isinstance(stage, dict) or stage.get("name") not in STAGES:
        return _("Starting the sync")
    return str(STAGES[stage["name"]]) % {"object": object_label(str(stage.get("object") or ""))}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    help: str
    value: int


def run_figures_list(details: dict | None) -> dict[str, list[Figure]]:
    """The counters of a run's details that are not zero, in words, by side (IN, OUT), in a set order.
    A key of no known counter (an older run's) is left out rather than shown raw."""
    details = details or {}
    sides: dict[str, list[Figure]] = {IN: [], OUT: []}
    for counter in COUNTERS:
        value = details.get(counter.key)
        if isinstance(value, int) and not isinstance(value, bool) and value:
            sides[counter.side].append(Figure(counter.key, str(counter.label), str(counter.help), value))
    return sides


def pushed_text(details: dict | None) -> str:
    what = (details or {}).get("what")
    return str(PUSHED[what]) if what in PUSHED else ""


def field_labels(account) -> dict[str, str]:
    """A contact field's key ("first_name", "custom:tier") → its label, for the conflicts table."""
    return {field.key: str(field.label) for field in account_fields(account)}
