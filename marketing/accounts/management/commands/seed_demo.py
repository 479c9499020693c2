from django.core.management.base import BaseCommand

from marketing.accounts.demo import DEMO_USERNAME, demo_seed


class Command(BaseCommand):
    help = "Create the demo account (owner 'demo') with sample data, and print a fresh owner password."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Use this owner password instead of a random one.")

    def handle(self, *args, password=None, **options):
        account, password = demo_seed(password=password)
        self.stdout.write(f"Demo account '{account.slug}': username {DEMO_USERNAME} / password {password}")
