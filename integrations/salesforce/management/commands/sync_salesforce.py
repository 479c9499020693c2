"""`manage.py sync_salesforce --account SLUG [--full] [--json]`: one Salesforce sync run now (DESIGN §4)."""

import json

from django.core.management.base import BaseCommand, CommandError

from integrations.salesforce.selectors import salesforce_connection_find
from integrations.salesforce.sync import salesforce_sync
from marketing.accounts.models import Account
from marketing.core.errors import ApplicationError
from marketing.core.texts import rendered


class Command(BaseCommand):
    help = "Run one Salesforce sync for an account now and print its summary."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="the account's slug")
        parser.add_argument("--full", action="store_true", help="read every record again, not only changes")
        parser.add_argument("--json", action="store_true", help="print the run as one JSON object")

    def handle(self, *args, **options):
        account = Account.objects.filter(slug=options["account"]).first()
        if account is None:
            raise CommandError(f"No account with the slug {options['account']!r}.")
        connection = salesforce_connection_find(account=account)
        if connection is None:
            raise CommandError("This account has no Salesforce connection (see `manage.py salesforce_connect`).")
        try:
            run = salesforce_sync(connection=connection, full=options["full"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        summary = {
            "run": run.pk,
            "kind": run.kind,
            "state": run.state,
            "records_in": run.records_in,
            "records_out": run.records_out,
            "records_failed": run.records_failed,
            "api_calls": run.api_calls,
            "seconds": round((run.finished_at - run.started_at).total_seconds(), 3) if run.finished_at else None,
            "stop_reason": rendered(run.stop_reason),
            "watermark": run.watermark,
            "details": run.details,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(
                f"{run.get_kind_display()} sync {run.get_state_display().lower()}: {run.records_in} in, "
                f"{run.records_out} out, {run.records_failed} failed, {run.api_calls} API calls"
                + (f" — {rendered(run.stop_reason)}" if run.stop_reason else "")
            )
