"""Sensible SLA targets to start with, created by ``post_migrate`` where a priority has
none (edit them in the back office; an edited target is never overwritten)."""

from django.apps import apps as global_apps

from core.reference_data import reference_model

DEFAULT_SLA_TARGETS = {
    # priority: (first response minutes, resolution minutes)
    "critical": (15, 4 * 60),
    "high": (60, 8 * 60),
    "medium": (4 * 60, 24 * 60),
    "low": (8 * 60, 72 * 60),
}


def ensure_sla_targets(*, apps=global_apps, using: str = "default", **kwargs) -> None:
    """post_migrate handler: one target per priority that has none."""
    SLATarget = reference_model(apps, using, "kpis", "SLATarget")
    if SLATarget is None:
        return
    for priority, (first_response, resolution) in DEFAULT_SLA_TARGETS.items():
        SLATarget.objects.using(using).get_or_create(
            priority=priority,
            defaults={"first_response_minutes": first_response, "resolution_minutes": resolution},
        )
