from django.core.management.base import BaseCommand, CommandError

from integrations.salesforce.models import SalesforceConnection
from integrations.salesforce.services import salesforce_connection_save, salesforce_settings_init
from integrations.services import connection_test
from marketing.accounts.models import Account
from marketing.core.errors import ApplicationError, TransientError


class Command(BaseCommand):
    help = (
        "Connect an account to Salesforce without a browser: the client credentials flow, or with --username the "
        "legacy username-password flow. New connections get working default settings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="The account's slug.")
        parser.add_argument(
            "--login-url", required=True, help="e.g. https://login.salesforce.com, or the org's My Domain URL."
        )
        parser.add_argument("--client-id", required=True, help="The connected app's consumer key.")
        parser.add_argument("--client-secret", required=True, help="The connected app's consumer secret.")
        parser.add_argument("--username", help="Legacy: sign in as this user with the password grant.")
        parser.add_argument("--password", help="Legacy: the user's password.")
        parser.add_argument(
            "--security-token", default="", help="Legacy: the user's security token (appended to the password)."
        )
        parser.add_argument("--ca-bundle", help="A PEM file with the certificates to trust instead of the system's.")

    def handle(self, *args, **options):
        account = Account.objects.filter(slug=options["account"]).first()
        if account is None:
            raise CommandError(f"No account with the slug '{options['account']}'.")
        username, password = options["username"] or "", options["password"] or ""
        if bool(username) != bool(password):
            raise CommandError("Give both --username and --password, or neither (client credentials).")
        flow = SalesforceConnection.AuthFlow.PASSWORD if username else SalesforceConnection.AuthFlow.CLIENT_CREDENTIALS
        try:
            connection = salesforce_connection_save(
                account=account,
                login_url=options["login_url"],
                auth_flow=flow,
                client_id=options["client_id"],
                client_secret=options["client_secret"],
                username=username,
                password=password + options["security_token"] if username else "",
                ca_bundle=options["ca_bundle"],
                connect=True,
            )
            status = connection_test(account=account, connection=connection)
            if not status.ok:
                raise CommandError(status.message)
            settings, created = salesforce_settings_init(account=account, connection=connection)
        except (ApplicationError, TransientError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        connection.refresh_from_db()
        objects = " and ".join(
            name for name, on in (("Leads", settings.pull_leads), ("Contacts", settings.pull_contacts)) if on
        )
        self.stdout.write(
            f"Connected {account.slug} to Salesforce {connection.instance_url} as "
            f"{status.details.get('username') or connection.external_user_id} "
            f"(organization {connection.external_org_id}, {flow.label}); "
            f"{'default settings: ' if created else 'settings kept: '}"
            f"pulling {objects or 'nothing'} by {settings.get_unique_key_display()} "
            f"every {connection.schedule_minutes} minutes."
        )
