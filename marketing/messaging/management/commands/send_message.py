import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from marketing.accounts.models import Account
from marketing.core.errors import ApplicationError
from marketing.messaging import selectors, services


class Command(BaseCommand):
    help = "Send a message now: queued for the workers, or with --wait delivered in this process (no task queued)."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="account slug")
        parser.add_argument("--message", required=True, type=int, help="message id")
        parser.add_argument("--wait", action="store_true", help="deliver in this process before returning")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, account, message, wait, json: bool = False, **options):
        as_json = json
        account_obj = Account.objects.filter(slug=account).first()
        if account_obj is None:
            raise CommandError(f"Unknown account: {account}")
        try:
            msg = selectors.message_get(account=account_obj, pk=message)
            with transaction.atomic():
                # With --wait this process is the one run: queueing the task as well would start a second,
                # concurrent run of the same message on any worker that is up.
                msg = services.message_send(account=account_obj, message=msg, enqueue=not wait)
            if wait:
                msg = services.message_run(message=msg)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} (message {message})") from exc
        msg.refresh_from_db()
        result = {
            "id": msg.pk,
            "status": msg.status,
            "stop_reason": msg.stop_reason,
            "counts": selectors.message_counts(message=msg),
        }
        if as_json:
            self.stdout.write(_dumps(result))
        else:
            self.stdout.write(f"Message {msg.pk}: {msg.status}")


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True)
