"""manage.py import_csv {clients,contacts,technicians,tickets} FILE"""

from django.core.management.base import BaseCommand, CommandError

from kpis import importing


class Command(BaseCommand):
    help = (
        "Import clients, contacts, technicians or tickets from a CSV file (docs/import.md). "
        "The whole file is rejected if any row is invalid; rows are upserted by external_id."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=importing.KINDS)
        parser.add_argument("file", help="Path to the CSV file (UTF-8, comma or semicolon)")

    def handle(self, *args, kind, file, **options):
        try:
            with open(file, "rb") as binary:
                result = importing.import_csv(kind, binary)
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except importing.ImportRejected as exc:
            raise CommandError("Nothing imported:\n  " + "\n  ".join(exc.errors)) from None
        self.stdout.write(self.style.SUCCESS(result.message()))
