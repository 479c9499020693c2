"""JSON bodies are held to the types the schema promises.

DRF's fields are lenient on purpose, for HTML forms: a CharField takes 42 and stores "42", a BooleanField takes
"yes", 1 or "on". In a JSON body such a value is a caller's mistake (a number where a name belongs, a string
where a flag belongs), and taking it silently hides the mistake. Form and multipart bodies, where everything is
text, keep DRF's coercion.
"""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

_TEXT_FIELDS = (serializers.CharField, serializers.DateField, serializers.DateTimeField, serializers.TimeField)


def _expected(field: serializers.Field) -> tuple[tuple[type, ...], str] | None:
    """The Python types a JSON value may have for `field`, and the message when it has another; None: any."""
    if isinstance(field, serializers.BooleanField):
        return (bool,), _("Must be true or false.")
    if isinstance(field, serializers.IntegerField):
        return (int,), _("Must be a whole number.")
    if isinstance(field, serializers.FloatField):
        return (int, float), _("Must be a number.")
    if isinstance(field, _TEXT_FIELDS):
        return (str,), _("Must be text.")
    if isinstance(field, (serializers.ListField, serializers.ListSerializer)):
        return (list,), _("Must be a list.")
    if isinstance(field, (serializers.Serializer, serializers.DictField)):
        return (dict,), _("Must be an object.")
    return None


def _value_errors(field: serializers.Field, value: Any) -> Any:
    if value is None:
        return None  # null is the field's own business (allow_null)
    expected = _expected(field)
    if expected is None:
        return None
    types, message = expected
    if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
        return [message]
    if isinstance(field, serializers.ListSerializer):
        return _list_errors(field.child, value)
    if isinstance(field, serializers.ListField):
        return _list_errors(field.child, value)
    if isinstance(field, serializers.Serializer):
        return json_type_errors(field, value) or None
    return None


def _list_errors(child: serializers.Field, values: list) -> dict | None:
    errors = {index: problem for index, item in enumerate(values) if (problem := _value_errors(child, item))}
    return errors or None


def json_type_errors(serializer: serializers.Serializer, data: dict) -> dict:
    """{field: [message]} for every writable field of `serializer` whose value in `data` has the wrong JSON type."""
    errors = {}
    for name, field in serializer.fields.items():
        if field.read_only or field.source == "*" or name not in data:
            continue
        problem = _value_errors(field, data[name])
        if problem:
            errors[name] = problem
    return errors
