"""Clients, contacts and technicians now belong to the organisation app (organisation
0001): the KPI app lets go of them without touching a table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0008_undeliverable_addresses"),
        ("organisation", "0001_initial"),
        ("surveys", "0007_organisation_app"),
    ]

    operations = [
        # The tables stay where they are: only Django's idea of which app owns them moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="client",
                    name="responsible_staff",
                ),
                migrations.AlterField(
                    model_name="thresholdalert",
                    name="client",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alerts",
                        to="organisation.client",
                        verbose_name="client",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="client",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tickets",
                        to="organisation.client",
                        verbose_name="client",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticketdailyrollup",
                    name="client",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rollups",
                        to="organisation.client",
                    ),
                ),
                migrations.RemoveConstraint(
                    model_name="contact",
                    name="contact_unique_email_per_client",
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="technician",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="tickets",
                        to="organisation.technician",
                        verbose_name="technician",
                    ),
                ),
                migrations.RemoveField(
                    model_name="contact",
                    name="client",
                ),
                migrations.DeleteModel(
                    name="Technician",
                ),
                migrations.DeleteModel(
                    name="Client",
                ),
                migrations.DeleteModel(
                    name="Contact",
                ),
            ],
        ),
    ]
