"""Re-encrypt every PSA connection's secrets under the first key of
INTEGRATIONS_ENCRYPTION_KEYS (docs/integrations.md, "Encryption key"); with --new-key,
print a fresh key instead."""

from django.core.management.base import BaseCommand
from django.db import transaction

from integrations import crypto
from integrations.models import Integration


class Command(BaseCommand):
    help = "Re-encrypt the PSA credentials under the first INTEGRATIONS_ENCRYPTION_KEYS key."

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true", help="Print a new key and stop.")

    def handle(self, *args, new_key=False, **options):
        if new_key:
            self.stdout.write(crypto.new_key())
            return
        count = 0
        with transaction.atomic():
            for integration in Integration.objects.select_for_update().only("secrets_encrypted"):
                integration.secrets_encrypted = crypto.rotate(integration.secrets_encrypted)
                integration.save(update_fields=["secrets_encrypted"])
                count += 1
        self.stdout.write(f"Re-encrypted the secrets of {count} PSA connections.")
