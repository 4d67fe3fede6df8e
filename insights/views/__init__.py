"""The report pages, for managers only: the dashboard, the pages behind its tiles, a
client's page, the ticket list, the alerts and the CSV exports."""

from .alerts import alert_acknowledge, alert_list
from .clients import client_detail, ticket_list
from .dashboard import dashboard
from .details import escalations, proactive, satisfaction, sla, turnover
from .exports import export

__all__ = [
    "alert_acknowledge",
    "alert_list",
    "client_detail",
    "dashboard",
    "escalations",
    "export",
    "proactive",
    "satisfaction",
    "sla",
    "ticket_list",
    "turnover",
]
