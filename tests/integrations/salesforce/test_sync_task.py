"""INT-1 for Salesforce: the generic sync task reaches Salesforce's sync through the registry, against the
emulator over HTTPS. ("Sync now" queues the same task: test_screens_connect.py.)"""

import pytest

from contacts.models import Contact
from integrations import tasks
from integrations.models import SyncRun

from .conftest import lead

pytestmark = pytest.mark.usefixtures("quick_salesforce")


def test_the_generic_sync_task_runs_a_salesforce_sync(account, connection, sf_emulator):
    lead(sf_emulator, Email="dana@example.com")

    tasks.connection_sync.delay(connection.pk)

    run = SyncRun.objects.get(connection=connection)
    assert (run.kind, run.state, run.records_in) == ("initial", "succeeded", 1)
    assert Contact.objects.filter(account=account, email="dana@example.com").exists()


def test_a_full_sync_through_the_generic_task_reads_everything_again(account, connection, sf_emulator):
    lead(sf_emulator, Email="dana@example.com")
    tasks.connection_sync.delay(connection.pk)

    tasks.connection_sync.delay(connection.pk, full=True)

    assert SyncRun.objects.filter(connection=connection).latest("started_at").kind == "full"
