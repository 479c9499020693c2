"""`sf_push_10k`: 10,000 linked contacts changed on the platform, pushed to Salesforce by the sync.

Above 2,000 records an object the push writes with one Bulk API 2.0 ingest job, whose fewest calls
are four: create, upload, close, and one look at the finished job (results are read only when some
records failed). The target is at most 1.1 × that minimum.
"""

import math
import os
import time

from .salesforce_org import EmulatorProcess, connect, drop

NAME = "sf_push_10k"
CHANGED = int(os.environ.get("BENCH_SF_PUSH", "10000"))
BULK_JOB_CALLS = 4
BULK_THRESHOLD = 2000
COLLECTION = 200


def run() -> dict:
    from django.db import connection as db
    from django.utils import timezone

    from integrations.salesforce.client import SalesforceClient
    from integrations.salesforce.models import SalesforceSettings
    from integrations.salesforce.push import Pusher

    with EmulatorProcess() as emulator:
        emulator.ask("seed", {"Lead": CHANGED, "Contact": 0})
        account, connection = connect("bench-sf-push", emulator)
        from integrations.salesforce.sync import salesforce_sync

        salesforce_sync(connection=connection)  # links the 10,000 leads to platform contacts
        with db.cursor() as cursor:  # people edit them on the platform
            cursor.execute(
                "UPDATE contacts_contact SET first_name = 'Pushed', updated_at = %s WHERE account_id = %s",
                [timezone.now(), account.pk],
            )
        connection.refresh_from_db()
        settings = SalesforceSettings.objects.get(connection=connection)
        started = time.perf_counter()
        with SalesforceClient(connection) as client:
            pusher = Pusher(connection=connection, settings=settings, client=client, run=None)
            pusher.push()
            calls = client.api_calls
        seconds = time.perf_counter() - started
        arrived = emulator.ask("count_where", ("Lead", "FirstName", "Pushed"))
        drop(account)
    jobs = math.ceil(CHANGED / 20_000)  # the push hands Salesforce 20,000 records a job at most
    minimum = BULK_JOB_CALLS * jobs if CHANGED > BULK_THRESHOLD else math.ceil(CHANGED / COLLECTION)
    return {
        "changed": CHANGED,
        "arrived_in_salesforce": arrived,
        "seconds": round(seconds, 3),
        "records_per_second": round(CHANGED / seconds),
        "api_calls": calls,
        "minimum_api_calls": minimum,
        "ratio_to_minimum": round(calls / minimum, 3),
        "details": dict(pusher.counts),
    }
