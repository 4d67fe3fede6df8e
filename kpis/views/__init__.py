"""Views of the KPI app; every one except the webhook is for managers only."""

from .alerts import alert_acknowledge, alert_list
from .clients import client_detail, ticket_list
from .dashboard import dashboard
from .details import escalations, proactive, satisfaction, sla, turnover
from .exports import export
from .imports import import_job, import_upload
from .webhook import webhook

__all__ = [
    "alert_acknowledge",
    "alert_list",
    "client_detail",
    "dashboard",
    "escalations",
    "export",
    "import_job",
    "import_upload",
    "proactive",
    "satisfaction",
    "sla",
    "ticket_list",
    "turnover",
    "webhook",
]
