"""manage.py import_csv {clients,contacts,technicians,tickets} FILE [--sheet NAME]"""

from django.core.management.base import BaseCommand, CommandError

from kpis import importing


class Command(BaseCommand):
    help = (
        "Import clients, contacts, technicians or tickets from a CSV file or an Excel "
        "workbook (.xlsx) (docs/import.md). The whole file is rejected if any row is "
        "invalid; rows are upserted by external_id."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=importing.KINDS)
        parser.add_argument(
            "file", help="Path to the CSV file (UTF-8, comma or semicolon) or .xlsx workbook"
        )
        parser.add_argument("--sheet", default="", help="The workbook's sheet (default: first)")

    def handle(self, *args, kind, file, sheet, **options):
        try:
            with open(file, "rb") as binary:
                result = importing.import_csv(kind, binary, sheet=sheet)
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except importing.ImportRejected as exc:
            raise CommandError("Nothing imported:\n  " + "\n  ".join(exc.errors)) from None
        self.stdout.write(self.style.SUCCESS(result.message()))
