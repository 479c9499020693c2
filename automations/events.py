"""The catalogue: every kind of event the platform writes, and what its payload carries.

Keys every payload may carry:
- "source": where the change came from ("import", "api", "manual", "salesforce", …), when the writer knows it.
- "handle_events": false — the writer (an API caller with HandleEvents=false) asked that no automation start
  from this change. Consumers that start automations skip such events; the others (the Salesforce sync) handle
  them as usual. Absent means true.

Bulk paths write one event per batch and kind, so contacts come as lists of ids. Kept in step with the
"Events" section of docs/DECISIONS.md.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    # {"contact_ids": [int], "source": str, "handle_events"?: false}
    CONTACT_CREATED = "contact.created", _("Contact added")
    # {"contact_ids": [int], "fields": [str, …], "source": str, "handle_events"?: false}
    CONTACT_UPDATED = "contact.updated", _("Contact updated")
    # {"contact_ids": [int], "source"?: str} — the contacts are gone when the event is handled
    CONTACT_DELETED = "contact.deleted", _("Contact deleted")
    # {"channel": "sms" | "email", "points": [str], "source": str}
    CONTACT_UNSUBSCRIBED = "contact.unsubscribed", _("Contact point unsubscribed")
    # {"channel": "sms" | "email", "points": [str], "source": "manual"}
    CONTACT_RESUBSCRIBED = "contact.resubscribed", _("Contact point resubscribed")
    # {"group_id": int, "name": str, "kind": str, "source"?: str}
    GROUP_CREATED = "group.created", _("Group created")
    # {"group_id": int, "contact_ids": [int], "source"?: str, "handle_events"?: false}
    GROUP_JOINED = "group.joined", _("Contact joined a group")
    # {"group_id": int, "contact_ids": [int], "source"?: str, "handle_events"?: false}
    GROUP_LEFT = "group.left", _("Contact left a group")
