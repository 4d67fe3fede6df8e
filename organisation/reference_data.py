"""The CSV data source, created by ``post_migrate`` where it is missing (a flushed
database); its name may be edited and is never overwritten."""

from django.apps import apps as global_apps

from core.reference_data import reference_model

from .models import CSV_SOURCE_ID, DataSource


def ensure_csv_source(*, apps=global_apps, using: str = "default", **kwargs) -> None:
    """post_migrate handler: the data source with CSV_SOURCE_ID, the default of every
    ``data_source`` field."""
    model = reference_model(apps, using, "organisation", "DataSource")
    if model is None:
        return
    model.objects.using(using).get_or_create(
        pk=CSV_SOURCE_ID, defaults={"name": "CSV", "kind": DataSource.Kind.CSV}
    )
