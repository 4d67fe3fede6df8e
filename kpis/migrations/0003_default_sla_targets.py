from django.db import migrations

# The default SLA targets used to be created here; they now come from post_migrate
# (kpis.reference_data.ensure_sla_targets), which also restores them after a flush.


class Migration(migrations.Migration):
    dependencies = [("kpis", "0002_tickets_rollups_alerts")]

    operations = []
