"""Where a change came from: the one catalogue of `source` values (contacts, memberships, suppressions, events).

The values are the words stored since the start, so every stored row stays valid; screens show the label.
The REST API and the legacy `Contact/Update` endpoint are one source, "api", as they always have been:
a second value would split the contacts both have made.
"""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = ["Source", "source_label"]


class Source(models.TextChoices):
    SCREEN = "manual", _("Manual")  # a person on a screen: the contact form, the unsubscribes screen
    IMPORT = "import", _("Import")  # a file, pasted or typed rows, through the wizard, the API or the command
    API = "api", _("API")  # the REST API and the legacy Contact/Update endpoint
    SALESFORCE = "salesforce", _("Salesforce")
    MERGE = "merge", _("Merge")  # a group merged into another
    UNSUBSCRIBE_LINK = "email_link", _("Unsubscribe link")
    SMS_REPLY = "sms_reply", _("SMS reply")
    BOUNCE = "bounce", _("Bounce")  # the email provider reported a hard bounce
    COMPLAINT = "complaint", _("Spam complaint")  # the recipient reported the email as spam
    # To come, with their features.
    LANDING_PAGE = "landing", _("Landing page")
    SMS = "sms", _("SMS")
    TELEPHONY = "telephony", _("Telephony")
    AUTOMATION = "automation", _("Automation")


# Older spellings the unsubscribes screen has always read: shown with the label of what they mean.
_ALIASES = {"link": Source.UNSUBSCRIBE_LINK, "crm": Source.SALESFORCE}


def source_label(value: str) -> str | Promise:
    """What people read for a stored source; an unknown value as it is."""
    if value in _ALIASES:
        return _ALIASES[value].label
    try:
        return Source(value).label
    except ValueError:
        return value
