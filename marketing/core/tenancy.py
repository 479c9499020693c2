"""Tenant-scoped read helpers: the only way code fetches rows for a request."""

from django.db import models
from django.utils.translation import gettext as _

from .errors import NotFound


def tenant_queryset(model_or_qs, *, account) -> models.QuerySet:
    qs = model_or_qs.objects.all() if isinstance(model_or_qs, type) else model_or_qs
    return qs.filter(account=account)


def tenant_get(model_or_qs, *, account, message: str | None = None, **lookups):
    """Fetch one row of `account`; anything else (missing or another account's) is NotFound."""
    obj = tenant_queryset(model_or_qs, account=account).filter(**lookups).first()
    if obj is None:
        model = model_or_qs if isinstance(model_or_qs, type) else model_or_qs.model
        raise NotFound(message or f"{model._meta.verbose_name.capitalize()} not found.")
    return obj


def ensure_owned(account, *rows, message: str | None = None) -> None:
    """Refuse any of `rows` (None is skipped) that belongs to another account as NotFound: another account's
    row is answered like a missing one (404), never as forbidden, so its existence is not revealed."""
    for row in rows:
        if row is not None and row.account_id != account.pk:
            raise NotFound(message or _("Not found."))
