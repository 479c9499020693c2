# The Salesforce sign-in columns of each connection move into its `config` (not secret) and its encrypted
# `credentials`, under the same names, as `SalesforceConnection` reads them; backwards, they move back.
# An empty value is left out: reading a missing key gives the same empty default.

from django.db import migrations

CONFIG = (
    'login_url',
    'instance_url',
    'identity_url',
    'auth_flow',
    'client_id',
    'username',
    'ca_bundle',
    'external_user_id',
    'external_org_id',
)
CREDENTIALS = ('client_secret', 'password', 'access_token', 'refresh_token', 'jwt_private_key')
DEFAULTS = {'auth_flow': 'web_server'}
BATCH = 500


def columns_to_json(row) -> tuple[dict, dict]:
    """The config and credentials of a connection `row` that still has the columns."""
    config = dict(row.config or {})
    credentials = dict(row.credentials or {})
    for names, target in ((CONFIG, config), (CREDENTIALS, credentials)):
        for name in names:
            value = getattr(row, name)
            if value:
                target[name] = value
    return config, credentials


def json_to_columns(row) -> None:
    """Put a connection `row`'s config and credentials back into the columns, and out of the JSON."""
    for names, source in ((CONFIG, row.config or {}), (CREDENTIALS, row.credentials or {})):
        for name in names:
            setattr(row, name, source.get(name) or DEFAULTS.get(name, ''))
    row.config = {key: value for key, value in (row.config or {}).items() if key not in CONFIG}
    row.credentials = {key: value for key, value in (row.credentials or {}).items() if key not in CREDENTIALS}


def forwards(apps, schema_editor):
    Connection = apps.get_model('integrations', 'Connection')
    rows = list(Connection.objects.using(schema_editor.connection.alias).order_by('pk'))
    for row in rows:
        row.config, row.credentials = columns_to_json(row)
    Connection.objects.using(schema_editor.connection.alias).bulk_update(
        rows, ['config', 'credentials'], batch_size=BATCH
    )


def backwards(apps, schema_editor):
    Connection = apps.get_model('integrations', 'Connection')
    rows = list(Connection.objects.using(schema_editor.connection.alias).order_by('pk'))
    for row in rows:
        json_to_columns(row)
    Connection.objects.using(schema_editor.connection.alias).bulk_update(
        rows, ['config', 'credentials', *CONFIG, *CREDENTIALS], batch_size=BATCH
    )


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0005_connection_config_credentials'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
