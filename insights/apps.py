from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """The top floor: the pages and rules that combine the subject apps (dashboard, a
    client's page, satisfaction and turnover, the evidence beside the assessment, the
    team satisfaction alert)."""

    name = "insights"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Insights")

    def ready(self):
        from assessments.evidence import evidence_requested

        from .evidence import evidence_for_statements

        evidence_requested.connect(
            lambda sender, on_date, **kwargs: evidence_for_statements(on_date),
            dispatch_uid="insights.evidence",
            weak=False,
        )
