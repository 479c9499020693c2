"""EncryptedTextField and EncryptedJSONField: Fernet tokens at rest, plain values in Python, keys rotated with a
command."""

import json

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, models

from marketing.core.fields import EncryptedJSONField, EncryptedTextField

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
PLAINTEXT = "sk_live_51H-very-secret-token"


@pytest.fixture
def secret_model(transactional_db, settings):
    """A throwaway model with one encrypted column, its table created for this test and dropped after.

    Registered in the global app registry only while the test runs, so that
    `rotate_field_encryption` finds it and nothing else (migrations, other tests) ever sees it.
    """
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]

    class SecretNote(models.Model):
        secret = EncryptedTextField(null=True, blank=True)

        class Meta:
            app_label = "core"
            db_table = "test_core_fields_secret_note"

        def __str__(self) -> str:
            return f"secret note {self.pk}"

    with connection.schema_editor() as editor:
        editor.create_model(SecretNote)
    try:
        yield SecretNote
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(SecretNote)
        del apps.all_models["core"]["secretnote"]
        apps.clear_cache()


def _raw_column(model, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_a_value_round_trips(secret_model):
    note = secret_model.objects.create(secret=PLAINTEXT)

    assert secret_model.objects.get(pk=note.pk).secret == PLAINTEXT


def test_the_column_holds_a_fernet_token_not_the_plaintext(secret_model):
    note = secret_model.objects.create(secret=PLAINTEXT)

    stored = _raw_column(secret_model, note.pk)

    assert PLAINTEXT not in stored
    assert Fernet(OLD_KEY.encode()).decrypt(stored.encode()).decode() == PLAINTEXT


def test_the_same_value_is_stored_differently_each_time(secret_model):
    first = secret_model.objects.create(secret=PLAINTEXT)
    second = secret_model.objects.create(secret=PLAINTEXT)

    assert _raw_column(secret_model, first.pk) != _raw_column(secret_model, second.pk)


def test_a_value_written_under_the_old_key_still_reads_after_a_new_key_is_put_first(secret_model, settings):
    note = secret_model.objects.create(secret=PLAINTEXT)

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    assert secret_model.objects.get(pk=note.pk).secret == PLAINTEXT


def test_new_writes_use_the_first_key(secret_model, settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    note = secret_model.objects.create(secret=PLAINTEXT)

    assert Fernet(NEW_KEY.encode()).decrypt(_raw_column(secret_model, note.pk).encode()).decode() == PLAINTEXT


def test_rotation_re_encrypts_every_row_so_the_old_key_can_be_removed(secret_model, settings):
    notes = [secret_model.objects.create(secret=f"{PLAINTEXT}-{n}") for n in range(3)]
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    call_command("rotate_field_encryption")

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert [secret_model.objects.get(pk=note.pk).secret for note in notes] == [f"{PLAINTEXT}-{n}" for n in range(3)]


def test_rotation_reports_how_many_rows_it_rewrote(secret_model, settings, capsys):
    secret_model.objects.create(secret=PLAINTEXT)
    secret_model.objects.create(secret=PLAINTEXT)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    call_command("rotate_field_encryption")

    assert '"core.SecretNote": 2' in capsys.readouterr().out


def test_a_value_under_a_key_no_longer_listed_fails_loudly(secret_model, settings):
    note = secret_model.objects.create(secret=PLAINTEXT)

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(ImproperlyConfigured, match="cannot be read with FIELD_ENCRYPTION_KEYS"):
        secret_model.objects.get(pk=note.pk)


@pytest.mark.parametrize("value", ["", None], ids=["empty", "null"])
def test_empty_and_null_are_stored_as_they_are(secret_model, value):
    note = secret_model.objects.create(secret=value)

    assert _raw_column(secret_model, note.pk) == value
    assert secret_model.objects.get(pk=note.pk).secret == value


# --- EncryptedJSONField -------------------------------------------------------------------------------

SECRETS = {"client_secret": PLAINTEXT, "refresh_token": "5Aep-refresh", "nested": {"key": "-----BEGIN KEY-----"}}


@pytest.fixture
def vault_model(transactional_db, settings):
    """A throwaway model with one encrypted JSON column, its table created for this test and dropped after."""
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]

    class Vault(models.Model):
        secrets = EncryptedJSONField()

        class Meta:
            app_label = "core"
            db_table = "test_core_fields_vault"

        def __str__(self) -> str:
            return f"vault {self.pk}"

    with connection.schema_editor() as editor:
        editor.create_model(Vault)
    try:
        yield Vault
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Vault)
        del apps.all_models["core"]["vault"]
        apps.clear_cache()


def _raw_vault(model, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secrets FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_a_json_object_round_trips_and_is_stored_as_one_fernet_token(vault_model):
    vault = vault_model.objects.create(secrets=SECRETS)

    stored = _raw_vault(vault_model, vault.pk)

    assert vault_model.objects.get(pk=vault.pk).secrets == SECRETS
    assert all(text not in stored for text in (PLAINTEXT, "5Aep-refresh", "BEGIN KEY", "client_secret"))
    assert json.loads(Fernet(OLD_KEY.encode()).decrypt(stored.encode())) == SECRETS


def test_an_empty_object_is_the_default_and_stored_empty(vault_model):
    vault = vault_model.objects.create()

    assert vault.secrets == {} and _raw_vault(vault_model, vault.pk) == ""
    assert vault_model.objects.get(pk=vault.pk).secrets == {}


def test_rotation_re_encrypts_json_objects_too(vault_model, settings):
    vault = vault_model.objects.create(secrets=SECRETS)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    call_command("rotate_field_encryption")

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert vault_model.objects.get(pk=vault.pk).secrets == SECRETS
