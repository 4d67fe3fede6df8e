"""Tickets record their data source, requester and title. Existing tickets move to the
CSV source with the same ids (organisation 0002). Existing webhook integrations point at
the CSV source too: the tickets they pushed are stored under it, and with a source of
their own their next push of a known ticket would create a second one instead of
updating it. A new integration gets its own source (WebhookIntegration.save)."""

import core.single_line
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('kpis', '0010_importjob_sheet'),
        ('organisation', '0002_data_sources'),
    ]

    operations = [
        migrations.AddField(
            model_name='ticket',
            name='data_source',
            field=models.ForeignKey(default=1, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisation.datasource', verbose_name='data source'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='requester',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets', to='organisation.contact', verbose_name='requester'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='title',
            field=core.single_line.SingleLineCharField(blank=True, max_length=255, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='webhookintegration',
            name='data_source',
            field=models.ForeignKey(default=1, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='webhook_integrations', to='organisation.datasource', verbose_name='data source'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='ticket',
            name='external_id',
            field=models.CharField(max_length=100, verbose_name='external id'),
        ),
        migrations.AddConstraint(
            model_name='ticket',
            constraint=models.UniqueConstraint(fields=('data_source', 'external_id'), name='ticket_unique_external_id_per_source'),
        ),
        migrations.AlterField(
            model_name='importjob',
            name='kind',
            field=models.CharField(choices=[('tickets', 'Tickets'), ('clients', 'Clients'), ('contacts', 'Contacts'), ('technicians', 'Technicians')], max_length=20, verbose_name='what the file contains'),
        ),
    ]
