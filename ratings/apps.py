from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    """The rating of each resolved ticket: it needs the tickets (kpis) and the surveys'
    machinery (surveys), two subject apps that must not know each other, so it sits on
    its own floor above them and hears of resolved tickets through the signal kpis
    defines (kpis.transitions), as insights answers the assessment's evidence."""

    name = "ratings"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Ticket ratings")

    def ready(self):
        from kpis.transitions import tickets_resolved
        from surveys.answers import answers_saved
        from surveys.models import SurveyKind

        from . import cases, sending  # noqa: F401 - registers the rating e-mail
        from .services import schedule_ratings

        tickets_resolved.connect(
            lambda sender, ticket_ids, **kwargs: schedule_ratings(ticket_ids),
            dispatch_uid="ratings.schedule",
            weak=False,
        )

        def answered(sender, invitation_id, survey_kind, values, **kwargs):
            if survey_kind == SurveyKind.TICKET_RATING:  # the other surveys open no case
                cases.answered(invitation_id, values)

        answers_saved.connect(
            answered,
            dispatch_uid="ratings.cases",
            weak=False,
        )
