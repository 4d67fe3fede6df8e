from django.db import migrations

# The four surveys used to be created here; they now come from post_migrate
# (surveys.reference_data.ensure_surveys), which also restores them after a flush.


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = []
