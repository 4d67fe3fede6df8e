from django.db import migrations

# The in-depth survey's intro promised results "from five answers on"; the publication rule
# counts different people per quarter. Only the untouched shipped text is replaced: an
# intro a manager edited stays as it is.
OLD = (
    "Etwa fünf Minuten. Ausgewertet wird nur zusammengefasst und erst "
    "ab fünf Antworten; niemand sieht deine einzelnen Antworten.",
    "About five minutes. Results are only shown as aggregates and only "
    "from five answers on; nobody sees your individual answers.",
)
NEW = (
    "Etwa fünf Minuten. Ausgewertet wird nur je Quartal zusammengefasst und erst, wenn "
    "mindestens fünf verschiedene Personen geantwortet haben; niemand sieht deine "
    "einzelnen Antworten.",
    "About five minutes. Results are only shown per quarter as aggregates, and only once "
    "at least five different people have answered; nobody sees your individual answers.",
)


def update_intro(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    surveys = Survey.objects.filter(kind="in_depth")
    surveys.filter(intro_de=OLD[0]).update(intro_de=NEW[0])
    surveys.filter(intro_en=OLD[1]).update(intro_en=NEW[1])


class Migration(migrations.Migration):
    dependencies = [("surveys", "0003_published_quarters")]

    operations = [migrations.RunPython(update_intro, migrations.RunPython.noop)]
