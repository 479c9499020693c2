"""What every screen's form shares (SPEC UX-3): a refusal lands on the fields it names, all of them at once."""

from django import forms
from django.core.exceptions import ValidationError

from .errors import ApplicationError
from .texts import rendered


def _messages(value) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    return [rendered(str(v)) for v in values if str(v)]


def form_errors_add(form: forms.BaseForm, exc: ApplicationError | ValidationError) -> None:
    """Put a service's refusal on `form`: on each field its details name, else on top of the form.

    `ApplicationError.details` may name one field (`{"field": "name"}`) or map fields to messages
    (`{"name": [...], "expires_at": [...]}`); a Django ValidationError may carry an error dict. Messages for a
    name that is no field of the form go on top, so nothing is lost.
    """
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, _messages(errors))
        else:
            form.add_error(None, _messages(exc.messages))
        return
    details = exc.details if isinstance(exc.details, dict) else {}
    name = details.get("field")
    if isinstance(name, str):
        form.add_error(name if name in form.fields else None, rendered(exc.message))
        return
    on_fields = {key: _messages(errors) for key, errors in details.items() if key in form.fields}
    if not any(on_fields.values()):  # details of another kind (a list of columns, a hint): the message says it
        form.add_error(None, rendered(exc.message))
        return
    for key, errors in details.items():
        if key not in form.fields and isinstance(errors, list | tuple):
            form.add_error(None, _messages(errors))
    for key, messages in on_fields.items():
        if messages:
            form.add_error(key, messages)
