"""The CSV data source, created by ``post_migrate`` where it is missing (a flushed
database); its name may be edited and is never overwritten."""

from django.apps import apps as global_apps
from django.core.management.color import no_style
from django.db import connections

from core.reference_data import reference_model

from .models import CSV_SOURCE_ID, DataSource


def ensure_csv_source(*, apps=global_apps, using: str = "default", **kwargs) -> None:
    """post_migrate handler: the data source with CSV_SOURCE_ID, the default of every
    ``data_source`` field."""
    model = reference_model(apps, using, "organisation", "DataSource")
    if model is None:
        return
    _source, created = model.objects.using(using).get_or_create(
        pk=CSV_SOURCE_ID, defaults={"name": "CSV", "kind": DataSource.Kind.CSV}
    )
    if created:
        # A row stored with its id given does not move PostgreSQL's sequence: after a
        # flush (which restarts it) the next source would be given id 1 again.
        connection = connections[using]
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(statement)
