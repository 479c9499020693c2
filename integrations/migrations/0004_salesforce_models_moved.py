# SalesforceSettings and ApiUsage now belong to the "salesforce" app (integrations/salesforce/models.py).
# Only Django's idea of where they live changes: the tables stay as they are, under their old names, and the
# salesforce app's 0001 takes them over.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0003_safe_first_sync_tombstones'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='ApiUsage'),
                migrations.DeleteModel(name='SalesforceSettings'),
            ],
        ),
    ]
