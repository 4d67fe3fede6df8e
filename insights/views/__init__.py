"""The report pages, for managers only: the dashboard, the pages behind its tiles, a
client's page, the ticket list, the alerts and their chat channels, and the CSV exports."""

from .alerts import alert_acknowledge, alert_list
from .attention import attention_page, client_list, start
from .chat_channels import (
    chat_channel_delete,
    chat_channel_edit,
    chat_channel_new,
    chat_channel_test,
    chat_channels,
)
from .client_search import client_search
from .clients import client_detail, ticket_list
from .dashboard import dashboard
from .details import escalations, proactive, satisfaction, sla, sla_reconciliation, turnover
from .exports import export

__all__ = [
    "alert_acknowledge",
    "alert_list",
    "attention_page",
    "chat_channel_delete",
    "chat_channel_edit",
    "chat_channel_new",
    "chat_channel_test",
    "chat_channels",
    "client_detail",
    "client_search",
    "client_list",
    "dashboard",
    "escalations",
    "export",
    "proactive",
    "satisfaction",
    "sla",
    "sla_reconciliation",
    "start",
    "ticket_list",
    "turnover",
]
