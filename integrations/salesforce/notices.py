"""What deleting a synced contact means in Salesforce, said on the delete confirmation (SPEC SF-8)."""

from django.utils.translation import gettext as _

from contacts.notices import delete_notices_provider
from marketing.accounts.models import Account

from ..models import ExternalRef
from .models import SalesforceSettings


@delete_notices_provider
def salesforce_delete_notice(account: Account, contact_ids: list[int]) -> list[str]:
    refs = ExternalRef.objects.filter(
        account=account,
        connection__provider="salesforce",
        contact_id__in=contact_ids,
        deleted_at__isnull=True,
        converted_to="",
    )
    synced = refs.values("contact_id").distinct().count()
    if not synced:
        return []
    settings = SalesforceSettings.objects.filter(account=account, connection__provider="salesforce").first()
    never = settings is not None and settings.deleted_here == SalesforceSettings.DeletedHere.NEVER
    # One sentence for a contact's own page, another for several: Hebrew, like English, has one plural form.
    if synced == 1:
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
        text = _(
            "%(count)s of these contacts are synced with Salesforce: their records there are not deleted, and the "
            "sync will not bring them back."
        )
    else:
        text = _(
            "%(count)s of these contacts are synced with Salesforce: their records there are not deleted, and the "
            "sync brings a contact back only if its record changes in Salesforce later."
        )
    return [text % {"count": synced}]
