"""Personalization placeholders (SPEC MSG-2): `[#Field#]` by a field's display label in any language, its
API name, or its legacy name, read from the contact schema.

    names = placeholder_names(account)                  # what each placeholder may be called → field key
    template = template_compile(text, names=names)      # raises UnknownPlaceholder naming every unknown one
    template.render({"first_name": "Dana"})             # "Hello Dana"

A template is compiled once per message into a format string, so rendering a million recipients is one
`str.format` each. The values come from `contact_values`, which formats each field as people read it.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from html import escape

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from contacts import schema
from marketing.core.errors import ApplicationError

PLACEHOLDER = re.compile(r"\[#(.*?)#\]", re.DOTALL)


class UnknownPlaceholder(ApplicationError):
    def __init__(self, names: list[str]):
        super().__init__(
            _("Unknown placeholder: %(names)s. Use a field's name as the contacts screen shows it, or its API name.")
            % {"names": ", ".join(f"[#{n}#]" for n in names)},
            code="unknown_placeholder",
            details={"placeholders": names},
        )


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def placeholder_names(account) -> dict[str, str]:
    """Every name a placeholder may use in this account (casefolded, spaces collapsed) → the field's key.

    Labels count in every language the product speaks, so a message typed in Hebrew may say [#שם פרטי#] and one
    typed in English [#First name#]; API names and the legacy API's names always work.
    """
    names: dict[str, str] = {}
    fields = schema.account_fields(account)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for f in fields:
                names.setdefault(_key(str(f.label)), f.key)
    for f in fields:
        names.setdefault(_key(f.api_name), f.key)
        names.setdefault(_key(f.key), f.key)
    for f in schema.fields():
        if f.legacy_name:
            names.setdefault(_key(f.legacy_name), f.key)
    return names


def placeholders_in(text: str) -> list[str]:
    """The placeholder names written in `text`, as written, in order, each once."""
    return list(dict.fromkeys(m.strip() for m in PLACEHOLDER.findall(text or "")))


def placeholders_unknown(texts: Iterable[str], *, names: Mapping[str, str]) -> list[str]:
    found = [n for text in texts for n in placeholders_in(text)]
    return list(dict.fromkeys(n for n in found if _key(n) not in names))


@dataclass(frozen=True)
class Template:
    """A text with its placeholders resolved to field keys. `keys` are the fields it reads, in order."""

    format_string: str
    keys: tuple[str, ...]
    escape: Callable[[str], str] | None = None

    def render(self, values: Mapping[str, str]) -> str:
        if not self.keys:
            return self.format_string
        got = [values.get(k) or "" for k in self.keys]
        if self.escape is not None:
            got = [self.escape(v) for v in got]
        return self.format_string.format(*got)


def _html_escape(value: str) -> str:
    return escape(value, quote=True)


def template_compile(text: str, *, names: Mapping[str, str], html: bool = False) -> Template:
    """Compile `text` once. Values are HTML-escaped when `html` is set. Raises UnknownPlaceholder."""
    unknown = placeholders_unknown([text], names=names)
    if unknown:
        raise UnknownPlaceholder(unknown)
    parts: list[str] = []
    keys: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(text or ""):
        parts.append(text[position : match.start()].replace("{", "{{").replace("}", "}}"))
        parts.append(f"{{{len(keys)}}}")
        keys.append(names[_key(match.group(1))])
        position = match.end()
    parts.append((text or "")[position:].replace("{", "{{").replace("}", "}}"))
    format_string = "".join(parts)
    if not keys:
        format_string = text or ""
    return Template(format_string=format_string, keys=tuple(keys), escape=_html_escape if html else None)


def _formatted(value, kind: str, gender_labels: Mapping[str, str]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if kind == schema.Kind.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if kind == "gender":
        return gender_labels.get(value, value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def value_formatter(account, keys: Iterable[str]) -> Callable[[Mapping], dict[str, str]]:
    """A function from a contact's stored values ({column: value, "custom": {api name: value}}) to the text
    each of `keys` shows in a message: dates day first, a gender in the account's language."""
    kinds = {f.key: f.kind for f in schema.account_fields(account)}
    with translation.override(account.language):
        gender_labels = {value: str(label) for value, label in schema.Gender.choices}
    wanted = [(k, "gender" if k == "gender" else kinds.get(k, "text")) for k in dict.fromkeys(keys)]

    def formatted(row: Mapping) -> dict[str, str]:
        custom = row.get("custom") or {}
        out = {}
        for key, kind in wanted:
            raw = custom.get(key[len(schema.CUSTOM_PREFIX) :]) if key.startswith(schema.CUSTOM_PREFIX) else row.get(key)
            out[key] = _formatted(raw, kind, gender_labels)
        return out

    return formatted
