"""Data in: the import pages (managers) and the ticket webhook (a token, no login)."""

from .imports import import_job, import_upload
from .mappings import (
    mapping_delete,
    mapping_edit,
    mapping_from_preset,
    mapping_list,
    mapping_new,
)
from .webhook import webhook

__all__ = [
    "import_job",
    "import_upload",
    "mapping_delete",
    "mapping_edit",
    "mapping_from_preset",
    "mapping_list",
    "mapping_new",
    "webhook",
]
