import csv
import io
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from contacts import schema
from contacts.importers import read_table
from contacts.imports import import_table, mapping_suggest, rejected_rows_rendered
from contacts.services import group_get_or_create
from contacts.sources import Source
from contacts.upsert import Policy
from marketing.accounts.models import Account
from marketing.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Import contacts from a CSV or XLSX file with the same engine as the import wizard."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--account", required=True, help="The account's slug.")
        parser.add_argument("--group", help="Add every imported contact to this group (created if missing).")
        parser.add_argument(
            "--mapping",
            help='JSON: {"file header": "field"} (fields: '
            + ", ".join(f.key for f in schema.importable())
            + ", custom:<api name>, or null to ignore). Unlisted headers use the automatic mapping.",
        )
        parser.add_argument("--no-new", action="store_true", help="Do not add new contacts.")
        parser.add_argument("--no-update", action="store_true", help="Do not update existing contacts.")
        parser.add_argument(
            "--avoid-losing-data", action="store_true", help="Never overwrite a value with an empty one."
        )
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args, file, account, group, mapping, no_new, no_update, avoid_losing_data, **options):
        found = Account.objects.filter(slug=account).first()
        if found is None:
            raise CommandError(f"No account with the slug '{account}'.")
        try:
            overrides = json.loads(mapping) if mapping else {}
        except ValueError as exc:
            raise CommandError(f"--mapping is not valid JSON: {exc}") from exc
        policy = Policy(add_new=not no_new, update_existing=not no_update, avoid_losing_data=avoid_losing_data)
        try:
            with open(file, "rb") as handle:
                table = read_table(handle, filename=file)
                chosen = mapping_suggest(account=found, headers=table.headers)
                chosen = [overrides.get(h, chosen[i]) for i, h in enumerate(table.headers)]
                target = (
                    group_get_or_create(account=found, actor=None, name=group, source=Source.IMPORT) if group else None
                )
                outcome = import_table(account=found, table=table, mapping=chosen, policy=policy, group=target)
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {file}") from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        summary = outcome.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                "read {read}, new {new}, updated {updated}, unchanged {unchanged}, rejected {rejected} "
                "in {seconds}s".format(**summary)
            )
        if outcome.result.rejected and not options["json"]:
            writer = csv.writer(sys.stderr)  # reasons in the command's language (English)
            writer.writerows(rejected_rows_rendered(io.StringIO(outcome.rejected_csv.decode(), newline="")))
