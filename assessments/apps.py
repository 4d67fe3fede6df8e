from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Self-assessment")

    def ready(self):
        from . import invitations  # noqa: F401 - registers the round invitation e-mail
        from .questionnaire_v1 import ensure_version_1

        # Reference data lives here, not in a data migration: a flush (transactional
        # tests, ``manage.py flush``) emits post_migrate and so restores it by itself.
        post_migrate.connect(ensure_version_1, sender=self)
