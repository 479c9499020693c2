"""The contacts screens (SPEC CON-3…7, UNS-2, IMP-6). The import wizard lives in contacts/wizard.py."""

from .contact_form import contact_add, contact_edit, contact_point_check
from .contacts import contact_delete, contact_export, contact_list
from .custom_fields import field_add, field_delete, field_edit, field_list
from .groups import (
    group_delete,
    group_detail,
    group_export,
    group_list,
    group_members_remove,
    group_merge,
    group_rename,
)
from .unsubscribes import (
    unsubscribe_add,
    unsubscribe_export,
    unsubscribe_history,
    unsubscribe_import,
    unsubscribe_list,
    unsubscribe_resubscribe,
)

__all__ = [
    "contact_add",
    "contact_delete",
    "contact_edit",
    "contact_export",
    "contact_list",
    "contact_point_check",
    "field_add",
    "field_delete",
    "field_edit",
    "field_list",
    "group_delete",
    "group_detail",
    "group_export",
    "group_list",
    "group_members_remove",
    "group_merge",
    "group_rename",
    "unsubscribe_add",
    "unsubscribe_export",
    "unsubscribe_history",
    "unsubscribe_import",
    "unsubscribe_list",
    "unsubscribe_resubscribe",
]
