# The salesforce app takes over SalesforceSettings and ApiUsage from integrations (integrations 0004 lets go of
# them) without touching the database: the tables keep their names (db_table), so the CreateModel below
# changes Django's state only. Their content types move with them, so that permissions given on them stay.

import django.db.models.deletion
import integrations.salesforce.models
from django.db import migrations, models

MOVED = ('salesforcesettings', 'apiusage')


def _content_types_move(apps, schema_editor, *, source, target):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    content_types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not content_types.filter(app_label=target, model=model).exists():
            content_types.filter(app_label=source, model=model).update(app_label=target)


def content_types_forward(apps, schema_editor):
    _content_types_move(apps, schema_editor, source='integrations', target='salesforce')


def content_types_backward(apps, schema_editor):
    _content_types_move(apps, schema_editor, source='salesforce', target='integrations')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0001_initial'),
        ('contacts', '0004_import_job_lease'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('integrations', '0004_salesforce_models_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='SalesforceSettings',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('pull_leads', models.BooleanField(default=True, verbose_name='bring in Leads')),
                        ('pull_contacts', models.BooleanField(default=True, verbose_name='bring in Contacts')),
                        ('unique_key', models.CharField(choices=[('id', 'Salesforce Id'), ('email', 'Email')], default='id', max_length=8, verbose_name='unique key')),
                        ('field_map', models.JSONField(blank=True, default=integrations.salesforce.models.default_field_map, verbose_name='field mapping')),
                        ('status_field', models.CharField(blank=True, help_text='A contact field that receives “Prospect” for Leads and “Customer” for Contacts.', max_length=64, verbose_name='status field')),
                        ('sync_flag_field', models.CharField(blank=True, help_text='A Salesforce checkbox: only flagged records are brought in, and the flag is cleared after.', max_length=80, verbose_name='sync flag field')),
                        ('new_contact_object', models.CharField(choices=[('Lead', 'Lead'), ('Contact', 'Contact')], default='Lead', max_length=8, verbose_name='new platform contacts become')),
                        ('lead_company_default', models.CharField(default='Unknown', max_length=255, verbose_name='company for new Leads')),
                        ('preferred_system', models.CharField(choices=[('salesforce', 'Salesforce'), ('platform', 'This platform')], default='salesforce', max_length=16, verbose_name='when both sides changed, keep')),
                        ('optout_fields', models.JSONField(blank=True, default=integrations.salesforce.models.default_optout_fields, verbose_name='opt-out fields')),
                        ('delete_mode', models.CharField(choices=[('leave_groups', 'Remove the contact from the synced groups'), ('delete_contact', 'Delete the contact')], default='leave_groups', max_length=16, verbose_name='when a record is deleted in Salesforce')),
                        ('deleted_here', models.CharField(choices=[('when_changed', 'Bring it back when the record changes in Salesforce'), ('never', 'Never bring it back')], default='when_changed', max_length=16, verbose_name='when a synced contact is deleted here')),
                        ('fill_salesforce_blanks', models.BooleanField(default=False, help_text='When a record is first linked, values the platform has and the record lacks are written to Salesforce. Off: nothing is written until someone changes a value here.', verbose_name='fill empty Salesforce fields')),
                        ('deleted_marker_field', models.CharField(blank=True, help_text='A Salesforce checkbox set when a contact leaves a synced group, e.g. GRdeleted__c.', max_length=80, verbose_name='removed-from-group marker field')),
                        ('source_label', models.CharField(default='Salesforce', max_length=64, verbose_name='source label')),
                        ('optouts_pushed_at', models.DateTimeField(blank=True, help_text='The next one-time sync of past unsubscribes starts here; empty means one year back.', null=True, verbose_name='past unsubscribes last sent')),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.account', verbose_name='account')),
                        ('connection', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='salesforce_settings', to='integrations.connection')),
                        ('inbound_group', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contacts.group', verbose_name='group for contacts from Salesforce')),
                        ('synced_groups', models.ManyToManyField(blank=True, db_table='integrations_salesforcesettings_synced_groups', related_name='+', to='contacts.group', verbose_name='synced groups')),
                    ],
                    options={
                        'verbose_name': 'Salesforce settings',
                        'verbose_name_plural': 'Salesforce settings',
                        'db_table': 'integrations_salesforcesettings',
                    },
                ),
                migrations.CreateModel(
                    name='ApiUsage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('hour', models.DateTimeField(verbose_name='hour')),
                        ('calls', models.PositiveIntegerField(default=0, verbose_name='calls')),
                        ('org_used', models.PositiveIntegerField(blank=True, null=True, verbose_name='organization calls used today')),
                        ('org_max', models.PositiveIntegerField(blank=True, null=True, verbose_name='organization daily limit')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.account', verbose_name='account')),
                        ('connection', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_usage', to='integrations.connection')),
                    ],
                    options={
                        'verbose_name': 'API usage',
                        'verbose_name_plural': 'API usage',
                        'db_table': 'integrations_apiusage',
                        'ordering': ['-hour'],
                        'constraints': [models.UniqueConstraint(fields=('connection', 'hour'), name='apiusage_unique_hour')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_forward, content_types_backward, elidable=True),
    ]
