"""`sf_initial_100k`: 50,000 Leads and 50,000 Contacts from an empty platform, over HTTPS from the emulator."""

import os
import time

from .salesforce_org import EmulatorProcess, connect, drop

NAME = "sf_initial_100k"
RECORDS = int(os.environ.get("BENCH_SF_RECORDS", "100000"))


def run() -> dict:
    from contacts.models import Contact
    from integrations.salesforce.sync import salesforce_sync

    with EmulatorProcess() as emulator:
        emulator.ask("seed", {"Lead": RECORDS // 2, "Contact": RECORDS - RECORDS // 2})
        account, connection = connect("bench-sf-initial", emulator)
        started = time.perf_counter()
        run = salesforce_sync(connection=connection)
        seconds = time.perf_counter() - started
        stored = Contact.objects.filter(account=account).count()
        drop(account)
    return {
        "records": RECORDS,
        "contacts_stored": stored,
        "state": run.state,
        "kind": run.kind,
        "seconds": round(seconds, 3),
        "records_per_second": round(RECORDS / seconds),
        "api_calls": run.api_calls,
        "details": run.details,
    }
