import json

from django.apps import apps
from django.core.management.base import BaseCommand

from marketing.core.fields import EncryptedJSONField, EncryptedTextField

ENCRYPTED = (EncryptedTextField, EncryptedJSONField)


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        counts = {}
        for model in apps.get_models():
            if model._meta.proxy:  # its table is its concrete model's, rotated once there
                continue
            names = [f.name for f in model._meta.concrete_fields if isinstance(f, ENCRYPTED)]
            if not names:
                continue
            # Reading decrypts with any listed key; writing encrypts with the first one.
            rows = list(model._base_manager.only("pk", *names).iterator(chunk_size=1000))
            model._base_manager.bulk_update(rows, names, batch_size=1000)
            counts[model._meta.label] = len(rows)
        self.stdout.write(json.dumps(counts))
