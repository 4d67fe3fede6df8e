"""Sensible SLA targets to start with (edit them in the admin)."""

from django.db import migrations

DEFAULTS = {
    # priority: (first response minutes, resolution minutes)
    "critical": (15, 4 * 60),
    "high": (60, 8 * 60),
    "medium": (4 * 60, 24 * 60),
    "low": (8 * 60, 72 * 60),
}


def add_targets(apps, schema_editor):
    SLATarget = apps.get_model("kpis", "SLATarget")
    for priority, (first_response, resolution) in DEFAULTS.items():
        SLATarget.objects.get_or_create(
            priority=priority,
            defaults={"first_response_minutes": first_response, "resolution_minutes": resolution},
        )


class Migration(migrations.Migration):
    dependencies = [("kpis", "0002_tickets_rollups_alerts")]

    operations = [migrations.RunPython(add_targets, migrations.RunPython.noop)]
