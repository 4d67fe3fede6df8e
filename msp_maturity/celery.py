"""The Celery app. Without REDIS_URL the settings make every task run in-process."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msp_maturity.settings")

app = Celery("msp_maturity")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work, run by `celery beat`. Each task is safe to run twice, so a beat that
# fires again after a restart does no harm.
app.conf.beat_schedule = {
    "surveys-dispatch-due": {
        # Weekly pulse, onboarding days, reminders and closing; the task itself decides
        # what is due from the configuration in the database.
        "task": "surveys.tasks.dispatch_due",
        "schedule": crontab(minute="*/15"),
    },
    "ratings-invite-due": {
        # Ticket rating e-mails whose delay after the resolution has passed.
        "task": "ratings.tasks.invite_due",
        "schedule": crontab(minute="*/5"),
    },
    "email-sweep": {
        # E-mails stored while the broker was down are sent from here, and a chunk left
        # "sending" by a killed worker is marked failed (core/delivery.py).
        "task": "core.delivery.sweep",
        "schedule": crontab(minute="*/5"),
    },
    "chat-sweep": {
        # Chat messages stored while the broker was down are posted from here, and one
        # left "sending" by a killed worker is marked failed (organisation/chat.py).
        "task": "organisation.chat.sweep",
        "schedule": crontab(minute="*/5"),
    },
    "kpis-refresh-rollups": {
        "task": "kpis.tasks.refresh_rollups",
        "schedule": crontab(minute=7),
    },
    "surveys-refresh-rollups": {
        # The daily survey figures of the last weeks, mended from the answers
        # (surveys/rollups.py).
        "task": "surveys.tasks.refresh_rollups",
        "schedule": crontab(minute=9),
    },
    "kpis-check-thresholds": {
        "task": "kpis.tasks.check_thresholds",
        "schedule": crontab(minute=17),
    },
    "kpis-sweep-imports": {
        # Uploads stored while the broker was down are imported from here.
        "task": "kpis.tasks.sweep_imports",
        "schedule": crontab(minute="*/5"),
    },
    "integrations-sweep-events": {
        # PSA events stored while the broker was down are applied from here.
        "task": "integrations.tasks.sweep_events",
        "schedule": crontab(minute="*/5"),
    },
    "integrations-pull": {
        # Catch-up pull of every PSA connection: what live events missed, deletions,
        # and the records events marked dirty (integrations/pull.py).
        "task": "integrations.tasks.pull_all",
        "schedule": crontab(minute="*/15"),
    },
    "integrations-check-health": {
        # Alerts of PSA connections silent or failing longer than their configured time
        # (integrations/health.py), after the quarter-hour pulls.
        "task": "integrations.tasks.check_health",
        "schedule": crontab(minute="10-59/15"),
    },
    "kpis-check-team-satisfaction": {
        "task": "insights.tasks.check_team_satisfaction",
        "schedule": crontab(minute=30, hour=7),
    },
}
