"""What every contacts screen shares: the permission gates, paging, and the export answer."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from marketing.accounts.roles import Perm, has_perm
from marketing.accounts.views import account_required

from ..exports import export_response

view_required = account_required(Perm.CONTACTS_VIEW)
edit_required = account_required(Perm.CONTACTS_EDIT)


def can_edit(request) -> bool:
    return has_perm(request.membership, Perm.CONTACTS_EDIT)


def ensure_can_edit(request) -> None:
    """For screens anyone with CONTACTS_VIEW may open but only CONTACTS_EDIT may change."""
    if not can_edit(request):
        raise PermissionDenied(_("Your role does not allow this."))


def download(fmt: str, rows, *, basename: str, sheet_title: str):
    return export_response(fmt, rows, basename=basename, sheet_title=sheet_title, rtl=get_language_bidi())
