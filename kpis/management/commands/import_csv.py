"""manage.py import_csv {clients,contacts,technicians,tickets} FILE [--sheet NAME]
[--mapping ID]"""

from django.core.management.base import BaseCommand, CommandError

from kpis import importing, mappings
from kpis.models import ColumnMapping


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
        parser.add_argument(
            "--mapping",
            type=int,
            help="The id of a column mapping (KPIs > Column mappings) to read a PSA's export "
            "with; the records go to its data source",
        )

    def handle(self, *args, kind, file, sheet, mapping, **options):
        options = {"sheet": sheet}
        if mapping is not None:
            found = ColumnMapping.objects.filter(pk=mapping).first()
            if found is None:
                raise CommandError(f"No column mapping with id {mapping}")
            if found.kind != kind:
                raise CommandError(f"The mapping {found} reads {found.kind}, not {kind}")
            options.update(mapping=mappings.Mapping.of(found), data_source_id=found.data_source_id)
        try:
            with open(file, "rb") as binary:
                result = importing.import_csv(kind, binary, **options)
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except importing.ImportRejected as exc:
            raise CommandError("Nothing imported:\n  " + "\n  ".join(exc.errors)) from None
        self.stdout.write(self.style.SUCCESS(result.message()))
