"""The batch upsert engine: every way a contact enters goes through `contacts_upsert` (DESIGN §2.3).

Rows are dicts keyed by field: "id", "known_id", "external_ref", "first_name", "last_name",
"full_name", "email", "phone", "gender", "birth_date", "additional_date",
"registration_date", "custom:<api name>", plus "groups" (group names, created
when missing), "group_ids_add" and "group_ids_remove", and "refused" (a reason:
the row is rejected with it, as a line a file reader could not read). "id" must name a
contact of the account; "known_id" (a file's own id column, maybe exported
from another account) matches when it names one and is passed over when not. A key that is absent is
left alone; a key with an empty value clears the field unless the policy avoids
losing data. Each row ends as new, updated, unchanged or rejected with a reason
(SPEC IMP-7), kept as a message id and its parameters (`marketing.core.texts.stored`) and rendered
in the reader's language where it is shown. Work is set-based: a few queries per chunk, never one per row.
Suppressions live in their own table, so no upsert can lift one (SPEC UNS-4).

`cleaning` turns rows into clean values; `engine` matches them to contacts and writes them.
"""

from .cleaning import (
    LEGACY_SLOTS,
    MAX_CUSTOM_TEXT,
    MAX_LENGTH,
    REFUSED,
    STANDARD_FIELDS,
    FieldCatalog,
    RowRejected,
    clean_row,
    value_cleaner,
)
from .engine import Policy, RowOutcome, Status, UpsertResult, contacts_upsert, memberships_add

__all__ = [
    "LEGACY_SLOTS",
    "MAX_CUSTOM_TEXT",
    "MAX_LENGTH",
    "REFUSED",
    "STANDARD_FIELDS",
    "FieldCatalog",
    "Policy",
    "RowOutcome",
    "RowRejected",
    "Status",
    "UpsertResult",
    "clean_row",
    "value_cleaner",
    "contacts_upsert",
    "memberships_add",
]
