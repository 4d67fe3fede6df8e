"""Run the Celery beat schedule in this process.

With the embedded default (no REDIS_URL) there is no broker for `celery beat` to talk to,
yet the weekly pulse, onboarding surveys, reminders, closing dates and threshold checks
must still happen. `make run` starts this command beside the development server; it runs
each task of ``msp_maturity/celery.py``'s schedule in-process when it is due. With Redis,
run `celery beat` and a worker instead.
"""

import logging
import time

from celery import current_app as app  # the project's app, set up by msp_maturity/__init__
from django.core.management.base import BaseCommand
from django.utils import timezone

log = logging.getLogger("msp_maturity.schedules")


class Command(BaseCommand):
    help = "Run the periodic tasks in this process (embedded mode without Redis)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once, then exit.")
        parser.add_argument("--now", action="store_true", help="Run every task at the first check.")
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between checks.")

    def handle(self, *args, once=False, now=False, interval=30.0, **options):
        app.loader.import_default_modules()
        schedule = app.conf.beat_schedule
        started = timezone.now()
        # Like celery beat: a task first runs when its schedule falls due after the start.
        last_run = dict.fromkeys(schedule, started)
        first = True
        while True:
            for name, entry in schedule.items():
                due, _next = entry["schedule"].is_due(last_run[name])
                if not (due or (now and first)):
                    continue
                last_run[name] = timezone.now()
                self._run(name, entry["task"])
            first = False
            if once:
                return
            time.sleep(interval)

    def _run(self, name: str, task_name: str) -> None:
        try:
            result = app.tasks[task_name].apply()
            if result.failed():
                log.error("schedule task=%s status=failed", task_name)
            else:
                log.info("schedule task=%s status=done", task_name)
        except Exception:  # noqa: BLE001 - one failing task must not stop the others
            log.exception("schedule task=%s status=error", task_name)
