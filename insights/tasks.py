"""The insights' periodic tasks, found by Celery's autodiscovery."""

from .team_alerts import check_team_satisfaction

__all__ = ["check_team_satisfaction"]
