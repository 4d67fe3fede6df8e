"""Data sources: every client, contact and technician records where it came from, and
external ids are unique per source instead of across the table. Every existing row
came from a CSV file, the back office or the webhook, all of which shared one set of
ids: they all move to the CSV source (CSV_SOURCE_ID, created here as the table's first
row) with the same ids."""

import core.single_line
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


CSV_SOURCE_ID = 1


def create_csv_source(apps, schema_editor):
    DataSource = apps.get_model("organisation", "DataSource")
    source = DataSource.objects.using(schema_editor.connection.alias).create(
        name="CSV", kind="csv"
    )
    # The first row of a new table; the data_source defaults below rely on the id.
    assert source.pk == CSV_SOURCE_ID, source.pk


class Migration(migrations.Migration):

    dependencies = [
        ('organisation', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DataSource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', core.single_line.SingleLineCharField(max_length=100, verbose_name='name')),
                ('kind', models.CharField(choices=[('csv', 'CSV file or manual entry'), ('webhook', 'Webhook')], max_length=20, verbose_name='kind')),
                ('creates_contacts', models.BooleanField(default=True, help_text='A ticket whose requester is unknown creates the contact.', verbose_name='creates contacts')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
            ],
            options={
                'verbose_name': 'data source',
                'verbose_name_plural': 'data sources',
                'ordering': ['name'],
            },
        ),
        migrations.RunPython(create_csv_source, migrations.RunPython.noop),
        migrations.AddField(
            model_name='contact',
            name='external_id',
            field=models.CharField(blank=True, max_length=100, verbose_name='external id'),
        ),
        migrations.AlterField(
            model_name='client',
            name='external_id',
            field=models.CharField(max_length=100, verbose_name='external id'),
        ),
        migrations.AlterField(
            model_name='technician',
            name='external_id',
            field=models.CharField(max_length=100, verbose_name='external id'),
        ),
        migrations.AddField(
            model_name='client',
            name='data_source',
            field=models.ForeignKey(default=1, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisation.datasource', verbose_name='data source'),
        ),
        migrations.AddField(
            model_name='contact',
            name='data_source',
            field=models.ForeignKey(default=1, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisation.datasource', verbose_name='data source'),
        ),
        migrations.AddField(
            model_name='technician',
            name='data_source',
            field=models.ForeignKey(default=1, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisation.datasource', verbose_name='data source'),
        ),
        migrations.AddConstraint(
            model_name='client',
            constraint=models.UniqueConstraint(fields=('data_source', 'external_id'), name='client_unique_external_id_per_source'),
        ),
        migrations.AddConstraint(
            model_name='contact',
            constraint=models.UniqueConstraint(condition=models.Q(('external_id', ''), _negated=True), fields=('data_source', 'external_id'), name='contact_unique_external_id_per_source'),
        ),
        migrations.AddConstraint(
            model_name='technician',
            constraint=models.UniqueConstraint(fields=('data_source', 'external_id'), name='technician_unique_external_id_per_source'),
        ),
    ]
