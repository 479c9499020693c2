"""The one rule for a Salesforce field name the platform stores and later puts into SOQL statements.

An API name is a letter, then letters, digits and underscores: `Email`, `Opt_Out__c`, `ns__Field__c`,
`Account__r`. Nothing else — no spaces, quotes, commas, parentheses or dots — so a stored name can never
change the statement it is put into. The settings service refuses anything else (whoever calls it), and
the settings form uses the same rule as its validator.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,79}")
HINT = _("Give a Salesforce field's API name, e.g. HasOptedOutOfEmail or Opt_Out__c.")


def is_api_name(value) -> bool:
    """Whether `value` is a Salesforce API name, as a whole (a trailing new line is not)."""
    return isinstance(value, str) and API_NAME.fullmatch(value) is not None


def validate_api_name(value) -> None:
    """A Django validator (forms): the same rule as `is_api_name`."""
    if not is_api_name(value):
        raise ValidationError(HINT, code="invalid")
