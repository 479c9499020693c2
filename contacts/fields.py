"""Custom contact fields (SPEC CON-3): create, edit and delete an account's own fields.

A field's values live in `Contact.custom` under its API name, so the API name never changes once
created; deleting a field removes its key from every contact of the account in one UPDATE.
"""

import re
import unicodedata

from django.db import transaction
from django.db.models import F, Func, JSONField, Value
from django.utils.translation import gettext as _

from marketing.accounts.models import Account, User
from marketing.core.errors import ApplicationError, FieldErrors
from marketing.core.services import audit_record
from marketing.core.tenancy import ensure_owned

from . import schema
from .models import Contact, CustomField
from .schema import LEGACY_SLOTS

__all__ = [
    "API_NAME_PATTERN",
    "api_name_suggest",
    "custom_field_create",
    "custom_field_delete",
    "custom_field_update",
    "custom_field_usage",
]

API_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
MAX_CHOICES = 200
# `details` of a refusal names the form field it is about.
_LABEL, _API_NAME, _CHOICES = {"field": "label"}, {"field": "api_name"}, {"field": "choices"}
# The built-in fields and what the API takes beside them (full_name), the legacy slots, and the row's own keys.
_RESERVED = {
    name.casefold()
    for name in (*(f.key for f in schema.fields()), *(f.api_name for f in schema.api_input()), *LEGACY_SLOTS)
} | {"id", "groups", "group"}

# Hebrew letters to Latin, for an API name suggested from a Hebrew label ("מידת נעליים" -> "midat_naalyym").
_HEBREW = {
    "א": "a",
    "ב": "b",
    "ג": "g",
    "ד": "d",
    "ה": "h",
    "ו": "v",
    "ז": "z",
    "ח": "ch",
    "ט": "t",
    "י": "y",
    "כ": "k",
    "ך": "k",
    "ל": "l",
    "מ": "m",
    "ם": "m",
    "נ": "n",
    "ן": "n",
    "ס": "s",
    "ע": "a",
    "פ": "p",
    "ף": "f",
    "צ": "tz",
    "ץ": "tz",
    "ק": "k",
    "ר": "r",
    "ש": "sh",
    "ת": "t",
}


class _JsonKeyRemove(Func):
    """`custom` without one top-level key: jsonb `-` on PostgreSQL, json_remove() elsewhere."""

    output_field = JSONField()

    def __init__(self, field: str, key: str):
        self.key = key
        super().__init__(F(field), Value(key))

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"json_remove({column}, %s)", (*params, f'$."{self.key}"')

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"({column} - %s::text)", (*params, self.key)


def api_name_suggest(label: str) -> str:
    """An API name for `label`: Latin letters kept, Hebrew transliterated, the rest become "_"."""
    text = "".join(_HEBREW.get(ch, ch) for ch in (label or ""))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    if name and not name[0].isalpha():
        name = f"field_{name}"
    return name[:64] or "field"


def _clean_label(account: Account, label: str, *, exclude: int | None = None) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise ApplicationError(_("The field needs a label."), details=_LABEL)
    if len(label) > 200:
        raise ApplicationError(_("The label is too long: at most 200 characters."), details=_LABEL)
    taken = CustomField.objects.filter(account=account, label__iexact=label)
    if exclude:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ApplicationError(
            _("A field labelled “%(label)s” already exists.") % {"label": label},
            details=_LABEL,
            code="conflict",
            status=409,
        )
    return label


def _clean_api_name(account: Account, api_name: str) -> str:
    api_name = (api_name or "").strip()
    if not API_NAME_PATTERN.fullmatch(api_name):
        raise ApplicationError(
            _(
                "“%(name)s” cannot be an API name. Start with a Latin letter and use only Latin letters, "
                "digits and “_”, up to 64 characters."
            )
            % {"name": api_name},
            details=_API_NAME,
        )
    if api_name.casefold() in _RESERVED:
        raise ApplicationError(
            _("“%(name)s” is reserved for a built-in or legacy field. Choose another API name.") % {"name": api_name},
            details=_API_NAME,
        )
    if CustomField.objects.filter(account=account, api_name__iexact=api_name).exists():
        raise ApplicationError(
            _("The API name “%(name)s” is already used by another field.") % {"name": api_name},
            details=_API_NAME,
            code="conflict",
            status=409,
        )
    return api_name


def _clean_choices(kind: str, choices) -> list[str]:
    if kind != CustomField.Kind.CHOICE:
        return []
    cleaned: list[str] = []
    for choice in choices or ():
        choice = " ".join(str(choice).split())
        if choice and choice not in cleaned:
            cleaned.append(choice)
    if not cleaned:
        raise ApplicationError(_("A choice field needs at least one choice: write one per line."), details=_CHOICES)
    if len(cleaned) > MAX_CHOICES:
        raise ApplicationError(
            _("A choice field can have at most %(count)d choices.") % {"count": MAX_CHOICES}, details=_CHOICES
        )
    return cleaned


def custom_field_usage(*, account: Account, field: CustomField) -> int:
    """How many contacts of the account hold a value of `field`."""
    return Contact.objects.filter(account=account, custom__has_key=field.api_name).count()


@transaction.atomic
def custom_field_create(
    *, account: Account, actor: User | None, label: str, api_name: str, kind: str, choices=()
) -> CustomField:
    """A new custom field; its API name is checked once here and never changes afterwards."""
    if kind not in CustomField.Kind.values:
        raise ApplicationError(_("Choose the type of the field."), details={"field": "kind"})
    errors = FieldErrors()  # every refused value at once
    cleaned = {
        "label": errors.check("label", _clean_label, account, label),
        "api_name": errors.check("api_name", _clean_api_name, account, api_name),
        "choices": errors.check("choices", _clean_choices, kind, choices),
    }
    errors.raise_any()
    field = CustomField.objects.create(account=account, kind=kind, **cleaned)
    audit_record(
        account=account, actor=actor, action="custom_field.create", target=field, data={"api_name": field.api_name}
    )
    return field


@transaction.atomic
def custom_field_update(
    *, account: Account, actor: User | None, field: CustomField, label: str, choices=None
) -> CustomField:
    """Change a field's label, and the choices of a choice field. The API name and the type stay."""
    ensure_owned(account, field, message=_("Field not found."))
    old = {"label": field.label, "choices": list(field.choices)}
    errors = FieldErrors()
    new_label = errors.check("label", _clean_label, account, label, exclude=field.pk)
    if field.kind == CustomField.Kind.CHOICE and choices is not None:
        new_choices = errors.check("choices", _clean_choices, field.kind, choices)
    else:
        new_choices = field.choices
    errors.raise_any()
    field.label, field.choices = new_label, new_choices
    field.save(update_fields=["label", "choices"])
    audit_record(account=account, actor=actor, action="custom_field.update", target=field, data={"old": old})
    return field


@transaction.atomic
def custom_field_delete(*, account: Account, actor: User | None, field: CustomField) -> int:
    """Delete a field and remove its values from every contact of the account. Returns how many contacts had one."""
    ensure_owned(account, field, message=_("Field not found."))
    cleared = Contact.objects.filter(account=account, custom__has_key=field.api_name).update(
        custom=_JsonKeyRemove("custom", field.api_name)
    )
    audit_record(
        account=account,
        actor=actor,
        action="custom_field.delete",
        target=field,
        data={"api_name": field.api_name, "label": field.label, "contacts_cleared": cleared},
    )
    field.delete()
    return cleared
