from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..roles import Perm, has_perm
from ..views import account_required
from .selectors import ContactFigures, dashboard_figures


@account_required()
def dashboard(request):
    """Every member sees the account's figures their role may open; each card leads to its screen."""
    membership = request.membership
    figures = dashboard_figures(
        account=request.account,
        contacts=has_perm(membership, Perm.CONTACTS_VIEW),
        imports=has_perm(membership, Perm.CONTACTS_EDIT),
        integrations=has_perm(membership, Perm.CONTACTS_VIEW),
    )
    chart = _new_contacts_chart(figures.contacts) if figures.contacts else None
    return render(request, "accounts/dashboard.html", {"figures": figures, "chart": chart})


def _new_contacts_chart(contacts: ContactFigures) -> dict:
    """The chart's data: one bar a day, each labelled day before month in the reader's language."""
    return {
        "label": _("New contacts"),
        "labels": [date_format(day, "MONTH_DAY_FORMAT") for day, _count in contacts.days],
        "counts": [count for _day, count in contacts.days],
    }
