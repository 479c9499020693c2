"""Run the Salesforce emulator in the foreground: python manage.py salesforce_emulator --port 8443."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from integrations.salesforce.emulator import (
    ADMIN_USERNAME,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_SECURITY_TOKEN,
    INTEGRATION_USERNAME,
    EmulatorServer,
)
from integrations.salesforce.emulator.seed import people


class Command(BaseCommand):
    help = "Serve an emulated Salesforce org over HTTPS until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8443)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--cert-dir", default=None, help="Where the CA and server certificate live.")
        parser.add_argument("--seed-leads", type=int, default=0)
        parser.add_argument("--seed-contacts", type=int, default=0)

    def handle(self, *args, **options):
        cert_dir = options["cert_dir"] or str(Path(settings.VAR_DIR) / "salesforce-emulator")
        server = EmulatorServer(options["host"], options["port"], cert_dir=cert_dir).start()
        if options["seed_leads"]:
            server.org.bulk_create("Lead", people(options["seed_leads"], kind="lead"))
        if options["seed_contacts"]:
            server.org.bulk_create("Contact", people(options["seed_contacts"], kind="contact"))
        write = self.stdout.write
        write(f"Salesforce emulator at {server.base_url}")
        write(f"  trust this CA:    {server.ca_path}  (e.g. REQUESTS_CA_BUNDLE={server.ca_path})")
        write(f"  client id:        {DEFAULT_CLIENT_ID}")
        write(f"  client secret:    {DEFAULT_CLIENT_SECRET}")
        write(f"  integration user: {INTEGRATION_USERNAME} / {DEFAULT_PASSWORD} + token {DEFAULT_SECURITY_TOKEN}")
        write(f"  admin user:       {ADMIN_USERNAME}")
        write(f"  seeded:           {options['seed_leads']} leads, {options['seed_contacts']} contacts")
        write("Press Ctrl-C to stop.")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            write("Stopped.")
