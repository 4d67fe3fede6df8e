from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Surveys")

    def ready(self):
        from . import sending  # noqa: F401 - registers the survey e-mails
        from .models import Question, new_questions_revision
        from .reference_data import ensure_surveys
        from .rollups import ensure_built

        for changed in (post_save, post_delete):
            changed.connect(new_questions_revision, sender=Question, dispatch_uid="questions")

        # Reference data, restored by post_migrate after every migrate and flush.
        post_migrate.connect(ensure_surveys, sender=self)
        # The daily figures, built once by the migrate that adds their table.
        post_migrate.connect(ensure_built, sender=self)
