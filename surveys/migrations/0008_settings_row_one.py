"""The survey settings row becomes row 1, as every one-row settings model keeps it
(core.models.SingletonModel). It was the lowest row, wherever the sequence stood when it
was first created; its values stay as they are."""

from django.db import migrations


def settings_row_one(apps, schema_editor):
    rows = apps.get_model("surveys", "SurveySettings").objects.using(schema_editor.connection.alias)
    if rows.filter(pk=1).exists():
        return
    first = rows.order_by("pk").first()
    if first is not None:
        rows.filter(pk=first.pk).update(id=1)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0007_organisation_app")]

    operations = [migrations.RunPython(settings_row_one, migrations.RunPython.noop)]
