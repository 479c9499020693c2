from django.core.management.base import BaseCommand

from marketing.accounts.demo import DEMO_USERNAME, demo_seed


class Command(BaseCommand):
    help = (
        "Create the demo account (owner 'demo') with sample data and print the owner's password: the same as on "
        "the last run unless --new-password or --password asks for another."
    )

    def add_arguments(self, parser):
        choice = parser.add_mutually_exclusive_group()
        choice.add_argument("--new-password", action="store_true", help="Give the owner a new random password.")
        choice.add_argument("--password", help="Use this owner password.")

    def handle(self, *args, password=None, new_password=False, **options):
        account, password = demo_seed(password=password, new_password=new_password, campaigns=True)
        self.stdout.write(f"Demo account '{account.slug}': username {DEMO_USERNAME} / password {password}")
