"""HTTP clients of the PSAs the product connects to natively (ConnectWise Manage, Autotask,
HaloPSA), their record normalisers and event signature checks. Plain Python: no models,
no app; docs/integrations-clients.md describes the interface.

``for_integration(integration)`` builds the client for any object with ``kind``,
``base_url`` and ``credentials`` (a dict, or a method returning one);
``rows.settings_of(integration)`` reads its mappings into the normalisers' settings.
"""

from __future__ import annotations

from . import autotask, connectwise, halopsa
from .base import BaseClient, Connection, Cursor, Page
from .errors import (
    BadCredentials,
    BadRequest,
    Forbidden,
    InvalidResponse,
    NotFound,
    PSAError,
    RateLimited,
    ServerError,
    Unreachable,
)

CLIENTS = {
    "connectwise": connectwise.ConnectWiseClient,
    "autotask": autotask.AutotaskClient,
    "halopsa": halopsa.HaloClient,
}
# The normalisers of each kind: module with company_row, contact_row, technician_row,
# ticket_row, is_counted (and merged_into for ConnectWise and Halo).
RECORDS = {"connectwise": connectwise, "autotask": autotask, "halopsa": halopsa}


def for_integration(integration, **kwargs) -> BaseClient:
    """The client for ``integration`` (``kind`` one of CLIENTS; ``credentials`` a dict or
    a method returning one); ``kwargs`` go to the client (``sleep``, ``now``,
    ``transport``)."""
    try:
        client_class = CLIENTS[integration.kind]
    except KeyError:
        raise ValueError(f"no PSA client for kind {integration.kind!r}") from None
    credentials = integration.credentials
    if callable(credentials):  # a model method that decrypts them
        credentials = credentials()
    return client_class(integration.base_url, dict(credentials), **kwargs)


__all__ = [
    "CLIENTS",
    "RECORDS",
    "BadCredentials",
    "BadRequest",
    "BaseClient",
    "Connection",
    "Cursor",
    "Forbidden",
    "InvalidResponse",
    "NotFound",
    "PSAError",
    "Page",
    "RateLimited",
    "ServerError",
    "Unreachable",
    "for_integration",
]
