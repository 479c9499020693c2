import json

from django.core.management.base import BaseCommand

from marketing.core.schedules import schedules_declared
from marketing.core.services import periodic_tasks_sync


class Command(BaseCommand):
    help = "Declare every periodic schedule in django-celery-beat's tables (idempotent)."

    def handle(self, *args, **options):
        counts = periodic_tasks_sync(schedules=schedules_declared())
        self.stdout.write(json.dumps(counts))
