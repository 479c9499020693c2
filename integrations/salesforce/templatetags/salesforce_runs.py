"""Template filters of the Salesforce screens: `{% load salesforce_runs %}`.

- `{{ error.code|error_code_label }}`: what a per-record error's code means, in words ("" for a code of
  Salesforce's that has no words here: it is shown as it came).
- `{{ error.object_type|object_label }}`: "Lead" or "Contact" in the reader's language.
"""

from django import template

from ..run_texts import error_code_label as _error_code_label
from ..run_texts import object_label as _object_label

register = template.Library()


@register.filter
def error_code_label(code) -> str:
    return _error_code_label(str(code or ""))


@register.filter
def object_label(sobject) -> str:
    """A Salesforce object's name in the reader's language ("Lead" → "ליד"); others as they are."""
    return _object_label(str(sobject or ""))
