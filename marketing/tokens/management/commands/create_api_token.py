import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from marketing.accounts.models import Account
from marketing.core.errors import ApplicationError
from marketing.tokens.services import token_create


class Command(BaseCommand):
    help = "Create an API token for an account and print it once (for operators and scripts)."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="The account's slug.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--ip", action="append", default=[], help="Allowed address or CIDR; repeatable.")
        parser.add_argument("--expires-days", type=int, help="Expire after N days (default: never).")
        parser.add_argument("--note", default="")

    def handle(self, *args, account, name, ip, expires_days, note, **options):
        found = Account.objects.filter(slug=account).first()
        if found is None:
            raise CommandError(f"No account with the slug '{account}'.")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be 1 or more.")
        expires_at = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
        try:
            issued = token_create(
                account=found, actor=None, name=name, note=note, allowed_ips=ip, expires_at=expires_at
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(issued.plaintext)
