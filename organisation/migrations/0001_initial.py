"""Clients, contacts and technicians move from the KPI app to the organisation: the
same tables (kpis_client, kpis_contact, kpis_technician) and rows; their content types
move too, so staff permissions and the back office's history stay attached."""

import core.single_line
import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

MODELS = ("client", "contact", "technician")


def _move(apps, schema_editor, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label=source, model__in=MODELS
    ).update(app_label=target)


def move_content_types(apps, schema_editor):
    _move(apps, schema_editor, "kpis", "organisation")


def move_content_types_back(apps, schema_editor):
    _move(apps, schema_editor, "organisation", "kpis")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('kpis', '0008_undeliverable_addresses'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables stay where they are: only Django's idea of which app owns them moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='Client',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('external_id', models.CharField(max_length=100, unique=True, verbose_name='external id')),
                ('name', core.single_line.SingleLineCharField(max_length=200, verbose_name='name')),
                ('contract_start', models.DateField(verbose_name='contract start')),
                ('segment', core.single_line.SingleLineCharField(blank=True, help_text='Size or industry, for filters.', max_length=100, verbose_name='segment')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('escalation_threshold', models.DecimalField(blank=True, decimal_places=2, help_text='Overrides the default escalation threshold for this client; empty: default.', max_digits=5, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0.01')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='escalation threshold (%)')),
                ('responsible_staff', models.ManyToManyField(blank=True, help_text='They receive the escalation alerts for this client.', related_name='responsible_for_clients', to=settings.AUTH_USER_MODEL, verbose_name='responsible staff')),
            ],
            options={
                'verbose_name': 'client',
                'verbose_name_plural': 'clients',
                'db_table': 'kpis_client',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='Technician',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('undeliverable_email', models.EmailField(blank=True, editable=False, max_length=254, verbose_name='undeliverable address')),
                ('undeliverable_since', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='undeliverable since')),
                ('undeliverable_reason', models.CharField(blank=True, editable=False, max_length=300, verbose_name='why undeliverable')),
                ('external_id', models.CharField(max_length=100, unique=True, verbose_name='external id')),
                ('name', core.single_line.SingleLineCharField(max_length=200, verbose_name='name')),
                ('email', models.EmailField(max_length=254, verbose_name='e-mail')),
                ('role', core.single_line.SingleLineCharField(blank=True, help_text='e.g. Level 1, Level 2', max_length=100, verbose_name='role')),
                ('hire_date', models.DateField(verbose_name='hire date')),
                ('leave_date', models.DateField(blank=True, help_text='First day no longer employed.', null=True, verbose_name='leave date')),
                ('language', models.CharField(choices=[('de', 'German'), ('en', 'English')], default='de', max_length=5, verbose_name='language')),
                ('user', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='technician', to=settings.AUTH_USER_MODEL, verbose_name='login')),
            ],
            options={
                'verbose_name': 'technician',
                'verbose_name_plural': 'technicians',
                'db_table': 'kpis_technician',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='Contact',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('undeliverable_email', models.EmailField(blank=True, editable=False, max_length=254, verbose_name='undeliverable address')),
                ('undeliverable_since', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='undeliverable since')),
                ('undeliverable_reason', models.CharField(blank=True, editable=False, max_length=300, verbose_name='why undeliverable')),
                ('name', core.single_line.SingleLineCharField(max_length=200, verbose_name='name')),
                ('email', models.EmailField(max_length=254, verbose_name='e-mail')),
                ('language', models.CharField(choices=[('de', 'German'), ('en', 'English')], default='de', max_length=5, verbose_name='language')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contacts', to='organisation.client', verbose_name='client')),
            ],
            options={
                'verbose_name': 'contact',
                'verbose_name_plural': 'contacts',
                'db_table': 'kpis_contact',
                'ordering': ['client__name', 'name'],
                'constraints': [models.UniqueConstraint(fields=('client', 'email'), name='contact_unique_email_per_client')],
            },
        ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
