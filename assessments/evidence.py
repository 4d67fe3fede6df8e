"""Measured figures shown beside statements (e.g. "SLA met: 94 %" beside "sla_targets_met").

The KPI app may provide ``kpis.evidence.evidence_for_statements(on_date)`` returning
``{statement key: {"label": str, "value": str}}``; until it does, there is no evidence.
"""

import datetime
import logging

log = logging.getLogger(__name__)


def measured_evidence(user, on_date: datetime.date) -> dict[str, dict]:
    """Statement key -> {"label", "value"} (both display-ready strings); {} when nothing
    is measured, and always for visitors without an account (the figures are the
    organisation's)."""
    if user is None or not user.is_authenticated:
        return {}
    try:
        from kpis.evidence import evidence_for_statements
    except ImportError:
        return {}
    try:
        evidence = evidence_for_statements(on_date) or {}
    except Exception:  # noqa: BLE001 - figures are an extra; the result page must still render
        log.exception("evidence_for_statements failed")
        return {}
    return {
        key: item
        for key, item in evidence.items()
        if isinstance(item, dict) and "label" in item and "value" in item
    }
