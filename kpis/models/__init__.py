"""The MSP's own data and its figures, importable as ``kpis.models``.

- tickets: tickets as a PSA exports them, SLA targets, daily per-client rollups
- config: the organisation's KPI settings (thresholds, benchmark)
- alerts: threshold and team satisfaction alerts
- integrations: webhook integrations with hashed tokens
- imports: uploaded CSV files and their import jobs
"""

from .alerts import AlertEmail, AlertState, TeamSatisfactionAlert, ThresholdAlert
from .config import KpiSettings
from .imports import ImportChunk, ImportJob
from .integrations import WebhookIntegration
from .tickets import (
    PRIORITIES,
    Priority,
    SegmentDailyRollup,
    SLATarget,
    Source,
    Ticket,
    TicketDailyRollup,
)

__all__ = [
    "PRIORITIES",
    "AlertEmail",
    "AlertState",
    "ImportChunk",
    "ImportJob",
    "KpiSettings",
    "Priority",
    "SLATarget",
    "SegmentDailyRollup",
    "Source",
    "TeamSatisfactionAlert",
    "Ticket",
    "TicketDailyRollup",
    "ThresholdAlert",
    "WebhookIntegration",
]
