"""`sf_incremental_10k`: 10,000 records changed in Salesforce, pulled by the scheduled incremental run.

The minimum is one query call per 2,000 changed records and one deleted-records call per object; the
target is at most 1.1 × that.
"""

import math
import os
import time

from .salesforce_org import EmulatorProcess, connect, drop

NAME = "sf_incremental_10k"
RECORDS = int(os.environ.get("BENCH_SF_RECORDS", "100000"))
CHANGED = int(os.environ.get("BENCH_SF_CHANGED", "10000"))
PAGE = 2000


def run() -> dict:
    from contacts.models import Contact
    from integrations.salesforce.sync import salesforce_sync

    with EmulatorProcess() as emulator:
        emulator.ask("seed", {"Lead": RECORDS // 2, "Contact": RECORDS - RECORDS // 2})
        account, connection = connect("bench-sf-incremental", emulator)
        salesforce_sync(connection=connection)
        emulator.ask("change", CHANGED)  # people edit records after the first run
        connection.refresh_from_db()
        started = time.perf_counter()
        run = salesforce_sync(connection=connection)
        seconds = time.perf_counter() - started
        changed = Contact.objects.filter(account=account, first_name="Changed").count()
        drop(account)
    minimum = sum(math.ceil(n / PAGE) for n in (CHANGED // 2, CHANGED - CHANGED // 2))
    return {
        "changed": CHANGED,
        "changed_contacts_seen": changed,
        "state": run.state,
        "seconds": round(seconds, 3),
        "records_per_second": round(CHANGED / seconds),
        "api_calls": run.api_calls,
        "minimum_api_calls": minimum,
        "ratio_to_minimum": round(run.api_calls / minimum, 3),
        "details": run.details,
    }
