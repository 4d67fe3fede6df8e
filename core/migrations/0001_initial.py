"""The one-time form tokens, moved from the project package (app label ``msp_maturity``)
to the core. The table keeps its name; a database that already has it keeps its rows,
and a new one gets the table here."""

import django.utils.timezone
from django.db import migrations, models

TABLE = "msp_maturity_submittedform"


def create_table_unless_present(apps, schema_editor):
    if TABLE not in schema_editor.connection.introspection.table_names():
        schema_editor.create_model(apps.get_model("core", "SubmittedForm"))


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label="msp_maturity", model="submittedform"
    ).update(app_label="core")


class Migration(migrations.Migration):
    initial = True

    dependencies = [("contenttypes", "0002_remove_content_type_name")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SubmittedForm",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("token", models.CharField(max_length=64, unique=True)),
                        ("location", models.CharField(blank=True, max_length=2000)),
                        (
                            "created_at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                    ],
                    options={"db_table": TABLE},
                ),
            ],
        ),
        migrations.RunPython(create_table_unless_present, migrations.RunPython.noop),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
