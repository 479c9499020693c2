"""Removing a benchmark's account: its bulk rows in SQL first (the ORM's cascade would load every contact)."""

BULK_TABLES = (
    "integrations_externalref",
    "integrations_syncerror",
    "automations_eventdelivery",
    "automations_event",
    "contacts_groupmembership",
    "contacts_suppressionevent",
    "contacts_suppression",
    "contacts_contact",
)


def account_drop(account) -> None:
    from django.db import connection

    if account is None:
        return
    with connection.cursor() as cursor:
        for table in BULK_TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE account_id = %s", [account.pk])
    account.delete()
