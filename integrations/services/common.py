"""What every integrations service shares."""

from django.utils.translation import gettext as _

from marketing.accounts.models import Account
from marketing.core.errors import NotFound


def _own(account: Account, *rows) -> None:
    for row in rows:
        if row is not None and row.account_id != account.pk:
            raise NotFound(_("Not found."))
