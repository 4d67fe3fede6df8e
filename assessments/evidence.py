"""Measured figures shown beside statements (e.g. "SLA met: 94 %" beside "sla_targets_met").

The assessment does not know where figures come from: an app on a higher floor connects a
receiver to ``evidence_requested`` (insights does, with the organisation's ticket and
survey figures). Each receiver returns ``{statement key: {"label": str, "value": str}}``.
"""

import datetime
import logging

from django.dispatch import Signal

log = logging.getLogger(__name__)

# Sent with ``on_date``; receivers return {statement key: {"label", "value"}}.
evidence_requested = Signal()


def measured_evidence(user, on_date: datetime.date) -> dict[str, dict]:
    """Statement key -> {"label", "value"} (both display-ready strings); {} when nothing
    is measured, and always for visitors without an account (the figures are the
    organisation's). A failing receiver is logged and left out: figures are an extra,
    the result page must still render."""
    if user is None or not user.is_authenticated:
        return {}
    evidence: dict[str, dict] = {}
    for receiver, answer in evidence_requested.send_robust(sender=None, on_date=on_date):
        if isinstance(answer, Exception):
            log.error("evidence receiver %r failed", receiver, exc_info=answer)
            continue
        evidence.update(
            (key, item)
            for key, item in (answer or {}).items()
            if isinstance(item, dict) and "label" in item and "value" in item
        )
    return evidence
