"""The MSP's own data and its figures, importable as ``kpis.models``.

- tickets: tickets as a PSA exports them, SLA targets, daily per-client rollups
- config: the organisation's KPI settings (thresholds, benchmark)
- alerts: threshold and team satisfaction alerts
- integrations: webhook integrations with hashed tokens
- imports: uploaded files, their import jobs and the column mappings they are read with
"""

from .alerts import AlertEmail, AlertState, TeamSatisfactionAlert, ThresholdAlert
from .config import KpiSettings
from .imports import ColumnMapping, ImportChunk, ImportJob
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
    "ColumnMapping",
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
