from django.db import migrations

# Version 1 of the questionnaire used to be created here; it now comes from post_migrate
# (assessments.questionnaire_v1.ensure_version_1), which also restores it after a flush.


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = []
