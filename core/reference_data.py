"""Reference data (role groups, surveys, the questionnaire, SLA targets) is created by
``post_migrate`` handlers rather than data migrations: a flush emits post_migrate too, so
a flushed database (``manage.py flush``, every transactional test) gets it back by itself.
"""

from django.db import router


def reference_model(apps, using: str, app_label: str, model_name: str):
    """The model a handler writes to, or None where the migrated state has no such model
    (migrated backwards) or the router keeps it off this database."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return None
    return model if router.allow_migrate_model(using, model) else None
