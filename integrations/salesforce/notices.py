"""What deleting a synced contact means in Salesforce, said on the delete confirmation (SPEC SF-8), for one
contact or for a bulk selection (with how many of them are synced)."""

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contacts.notices import delete_notices_provider
from marketing.accounts.models import Account
from marketing.core.templatetags.texts import ltr

from ..selectors import synced_contacts_count
from .models import SalesforceSettings


@delete_notices_provider
def salesforce_delete_notice(account: Account, contact_ids, selected: int) -> list[str]:
    synced = synced_contacts_count(account=account, provider="salesforce", contact_ids=contact_ids)
    if not synced:
        return []
    settings = SalesforceSettings.objects.filter(account=account, connection__provider="salesforce").first()
    never = settings is not None and settings.deleted_here == SalesforceSettings.DeletedHere.NEVER
    if selected == 1:
        if never:
            return [
                _(
                    "This contact is synced with Salesforce: its record there is not deleted, and the sync will not "
                    "bring the contact back."
                )
            ]
        return [
            _(
                "This contact is synced with Salesforce: its record there is not deleted, and the sync brings the "
                "contact back only if the record changes in Salesforce later."
            )
        ]
    if never:
        text = ngettext(
            "%(count)s of these contacts is synced with Salesforce: its record there is not deleted, and the "
            "sync will not bring it back.",
            "%(count)s of these contacts are synced with Salesforce: their records there are not deleted, and the "
            "sync will not bring them back.",
            synced,
        )
    else:
        text = ngettext(
            "%(count)s of these contacts is synced with Salesforce: its record there is not deleted, and the "
            "sync brings it back only if its record changes in Salesforce later.",
            "%(count)s of these contacts are synced with Salesforce: their records there are not deleted, and the "
            "sync brings a contact back only if its record changes in Salesforce later.",
            synced,
        )
    # The count reads left to right inside a right-to-left sentence.
    return [mark_safe(escape(text) % {"count": ltr(number_format(synced, force_grouping=True))})]
