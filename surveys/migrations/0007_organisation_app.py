"""Survey rows refer to the organisation's clients, contacts and technicians (the same
tables; see organisation 0001)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organisation", "0001_initial"),
        ("surveys", "0006_reminder_emails"),
    ]

    operations = [
        # The tables stay where they are: only Django's idea of which app owns them moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="campaign",
                    name="client",
                    field=models.ForeignKey(
                        blank=True,
                        help_text="For onboarding campaigns: the client being onboarded.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="survey_campaigns",
                        to="organisation.client",
                        verbose_name="client",
                    ),
                ),
                migrations.AlterField(
                    model_name="invitation",
                    name="contact",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="survey_invitations",
                        to="organisation.contact",
                        verbose_name="contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="invitation",
                    name="technician",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="survey_invitations",
                        to="organisation.technician",
                        verbose_name="technician",
                    ),
                ),
                migrations.AlterField(
                    model_name="response",
                    name="client",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="survey_responses",
                        to="organisation.client",
                        verbose_name="client",
                    ),
                ),
            ],
        ),
    ]
