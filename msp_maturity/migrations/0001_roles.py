from django.db import migrations

# The role groups used to be created here; they now come from post_migrate
# (msp_maturity.roles.ensure_role_groups), which also restores them after a flush.


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]
    operations = []
