"""Data in: the import pages (managers) and the ticket webhook (a token, no login)."""

from .imports import import_job, import_upload
from .webhook import webhook

__all__ = ["import_job", "import_upload", "webhook"]
