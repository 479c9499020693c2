"""Encrypted fields: Fernet tokens at rest, plain values in Python.

`EncryptedTextField` holds one text; `EncryptedJSONField` one JSON object (a dict), encrypted whole.
Keys come from `settings.FIELD_ENCRYPTION_KEYS` (newest first). Every key
decrypts, the first encrypts, so a key is rotated by putting the new one first
and running `manage.py rotate_field_encryption`.
"""

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


@lru_cache(maxsize=8)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds a malformed key: {exc}") from exc


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_text(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted value cannot be read with FIELD_ENCRYPTION_KEYS: was a key removed too early?"
        ) from exc


def rotate_text(token: str) -> str:
    """Re-encrypt `token` under the first (newest) key."""
    return fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest with Fernet"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_text(value)


class EncryptedJSONField(models.TextField):
    """A JSON object encrypted at rest as one Fernet token; a dict in Python.

    It is read and written whole: nothing can be looked up inside it in SQL. An empty dict is stored as an
    empty column, so there is nothing to decrypt (and nothing to rotate) until a value is set.
    """

    description = "A JSON object encrypted at rest with Fernet"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", dict)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value is None or isinstance(value, dict):
            return value
        if value == "":
            return {}
        try:
            loaded = json.loads(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError("Enter a JSON object.", code="invalid") from exc
        if not isinstance(loaded, dict):
            raise ValidationError("Enter a JSON object.", code="invalid")
        return loaded

    def get_prep_value(self, value):
        if isinstance(value, str):
            value = self.to_python(value)
        if value is None:
            return None
        if not value:
            return ""
        return encrypt_text(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if value == "":
            return {}
        return json.loads(decrypt_text(value))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), cls=DjangoJSONEncoder, sort_keys=True)
