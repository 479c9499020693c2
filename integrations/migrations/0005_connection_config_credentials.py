# A connection's connector-specific settings move into two JSON columns: `config` (not secret) and
# `credentials` (secrets, encrypted at rest as one value). 0006 moves the Salesforce columns' values into them
# and 0007 removes those columns.

import marketing.core.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0004_salesforce_models_moved'),
    ]

    operations = [
        migrations.AddField(
            model_name='connection',
            name='config',
            field=models.JSONField(blank=True, default=dict, verbose_name='settings'),
        ),
        migrations.AddField(
            model_name='connection',
            name='credentials',
            field=marketing.core.fields.EncryptedJSONField(blank=True, default=dict, editable=False, verbose_name='credentials'),
        ),
    ]
