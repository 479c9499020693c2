"""Texts written in the background and read later, each in its reader's language (SPEC UX-1).

A suppression reason, a rejected row's reason, an import's failure, a sync error or a run's note is produced by
a worker that has no reader yet. It is stored as its English message id and parameters, and rendered when
shown, so a Hebrew user reads it in Hebrew and an English user in English.

    reason = stored(gettext_noop("Not a valid email address: %(value)s"), value=raw)
    ...
    {{ row.reason|translated }}   or   rendered(row.reason)

`gettext_noop` marks the message for the catalogue without translating it at write time. A stored value that is
plain text (older rows, a person's own words, a provider's own message) renders as it is.

- A parameter may itself be a message: a `Text`, or a lazy translation such as a field's label
  (`gettext_lazy`); it is stored by its id too, and rendered in the reader's language.
- `Text(msgid, **params)` is a message not yet rendered, for code that may either show it now or store it:
  `str(text)` is it in the active language, `text.stored` the form to store. `ApplicationError` keeps both
  (`exc.message` for the reader who is here, `exc.text` to store); `storable(value)` turns a `Text`, a lazy
  translation, an error or plain text into the form to store.
- `{{ value|translated }}` (HTML) isolates each text parameter in `<bdi>`, so an email, a phone number or a
  file name keeps its own direction inside a sentence of the other; `rendered` (CSV files, the API) gives
  plain text.
"""

import json

from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

__all__ = ["PREFIX", "Text", "rendered", "rendered_html", "storable", "stored"]

PREFIX = '{"msg":'


class Text:
    """A message for a reader not known yet: its id (marked with `gettext_noop`) and its parameters."""

    __slots__ = ("context", "msgid", "params")

    def __init__(self, msgid: str, /, **params):
        self.msgid = str(msgid)
        self.params = params
        self.context = None

    @classmethod
    def loaded(cls, value: str) -> "Text | str":
        """A stored text as a `Text` again (to raise it as an error's message); plain text as it is."""
        data = _loaded(value)
        if data is None:
            return value
        text = cls(data["msg"], **(data.get("params") if isinstance(data.get("params"), dict) else {}))
        text.context = data.get("ctx")
        return text

    @property
    def stored(self) -> str:
        return json.dumps(_data(self.msgid, self.context, self.params), ensure_ascii=False, default=str)

    def __str__(self) -> str:
        return _render(_data(self.msgid, self.context, self.params), _plain)

    def __repr__(self) -> str:
        return f"Text({self.stored})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Text) and (self.msgid, self.context, self.params) == (
            other.msgid,
            other.context,
            other.params,
        )

    def __hash__(self) -> int:
        return hash(self.msgid)


def _lazy_message(value: Promise) -> dict | None:
    """The stored form of a lazy `gettext_lazy` / `pgettext_lazy` message, when it is one."""
    try:
        func, args, kwargs = value.__reduce__()[1][:3]
    except (TypeError, ValueError, IndexError):
        return None
    if kwargs:
        return None
    if func is gettext and len(args) == 1:
        return _data(args[0], None, {})
    if func is pgettext and len(args) == 2:
        return _data(args[1], args[0], {})
    return None


def _param(value):
    """A parameter as stored: a message stays a message (a dict), a lazy text of another kind becomes text."""
    if isinstance(value, Text):
        return _data(value.msgid, value.context, value.params)
    if isinstance(value, Promise):
        return _lazy_message(value) or str(value)
    if isinstance(value, BaseException):
        return _param_of_error(value)
    return value


def _param_of_error(exc: BaseException):
    text = getattr(exc, "text", None)
    if isinstance(text, str) and text.startswith(PREFIX):
        return _loaded(text) or text
    if exc.args and isinstance(exc.args[0], Text | Promise):
        return _param(exc.args[0])
    return str(exc)


def _data(msgid, context, params: dict) -> dict:
    data = {"msg": str(msgid)}
    if context:
        data["ctx"] = str(context)
    data["params"] = {key: _param(params[key]) for key in sorted(params)}
    return data


def stored(msgid: str, **params) -> str:
    """The form to store: the message id and its parameters (JSON-safe values; a message or a lazy label as
    its own id)."""
    return json.dumps(_data(msgid, None, params), ensure_ascii=False, default=str)


def storable(value) -> str:
    """Any message as the form to store: a `Text`, a lazy translation or an error keeps its message id;
    plain text stays as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Text):
        return value.stored
    data = _param(value)
    return json.dumps(data, ensure_ascii=False, default=str) if isinstance(data, dict) else str(data)


def _loaded(value) -> dict | None:
    if not (isinstance(value, str) and value.startswith(PREFIX)):
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("msg"), str):
        return None
    return data


def _nested(value) -> dict | None:
    if isinstance(value, dict):
        return value if isinstance(value.get("msg"), str) else None
    return _loaded(value)


def _plain(value):
    nested = _nested(value)
    return _render(nested, _plain) if nested is not None else value


def _html(value):
    nested = _nested(value)
    if nested is not None:
        return _render(nested, _html, html=True)
    if isinstance(value, str):
        return format_html("<bdi>{}</bdi>", value)
    return value


def _render(data: dict, param, *, html: bool = False) -> str:
    msgid, context = data["msg"], data.get("ctx")
    message = pgettext(context, msgid) if context else gettext(msgid)
    params = data.get("params")
    if html:
        message, msgid = conditional_escape(message), conditional_escape(msgid)
    if not isinstance(params, dict) or not params:
        return mark_safe(message) if html else message
    values = {key: param(value) for key, value in params.items()}
    for candidate in (message, msgid):  # a translation that lost a placeholder: the English message whole
        try:
            text = candidate % values
        except (KeyError, ValueError, TypeError):
            continue
        return mark_safe(text) if html else text
    return mark_safe(message) if html else message


def rendered(value) -> str:
    """A stored text in the active language, as plain text; plain text as it is."""
    if value is None:
        return ""
    if isinstance(value, Text | Promise):
        return str(value)
    data = _loaded(value)
    return str(value) if data is None else _render(data, _plain)


def rendered_html(value) -> SafeString:
    """A stored text in the active language, as HTML: escaped, each text parameter isolated in `<bdi>`."""
    if isinstance(value, Text):
        value = value.stored
    data = _loaded(value)
    if data is None:
        return conditional_escape(rendered(value))
    return _render(data, _html, html=True)
