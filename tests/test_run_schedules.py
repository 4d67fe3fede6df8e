"""The embedded scheduler runs the beat schedule in-process when no broker is configured."""

import datetime

import pytest
from django.core.management import call_command

from msp_maturity.celery import app


@pytest.fixture
def ran(monkeypatch):
    names = []

    class Recorder:
        def __init__(self, name):
            self.name = name

        def apply(self):
            names.append(self.name)

            class Result:
                def failed(self):
                    return False

            return Result()

    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        monkeypatch.setitem(app.tasks, entry["task"], Recorder(entry["task"]))
    return names


def test_every_scheduled_task_exists(db):
    # Importing the task modules runs Django's model checks, which ask SQLite whether it
    # supports JSON fields: a query, so the test needs the database in any order.
    app.loader.import_default_modules()
    missing = [e["task"] for e in app.conf.beat_schedule.values() if e["task"] not in app.tasks]
    assert not missing


def test_now_runs_every_scheduled_task_once(db, ran):
    call_command("run_schedules", "--once", "--now")
    assert sorted(ran) == sorted(e["task"] for e in app.conf.beat_schedule.values())


def test_nothing_runs_before_it_is_due(db, ran, time_machine):
    # Just after a full hour none of the schedules (every 5 or 15 minutes, hourly at :07
    # and :17, daily at 7:30) has fallen due since the start.
    time_machine.move_to(datetime.datetime(2026, 11, 23, 10, 0, 1, tzinfo=datetime.UTC))
    call_command("run_schedules", "--once")
    assert ran == []


def test_a_due_task_runs_on_the_next_check(db, ran, time_machine, monkeypatch):
    time_machine.move_to(
        datetime.datetime(2026, 11, 23, 10, 4, 58, tzinfo=datetime.UTC), tick=False
    )
    checks = iter([False, True])

    def sleep(seconds):
        time_machine.shift(datetime.timedelta(seconds=seconds))
        if next(checks):
            raise SystemExit  # stop the loop after the second check

    monkeypatch.setattr("core.management.commands.run_schedules.time.sleep", sleep)
    with pytest.raises(SystemExit):
        call_command("run_schedules", "--interval", "30")
    assert "core.delivery.sweep" in ran
