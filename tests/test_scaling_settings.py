"""Scaling out (docs/operations.md): CELERY_SPLIT_QUEUES=1 gives e-mail, imports and the
PSA connections queues of their own (without it every task is on the default queue);
DATABASE_BEHIND_POOLER=1 turns server-side cursors off for PgBouncer."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

SCRIPT = """
import json, django
django.setup()
from msp_maturity.celery import app
app.loader.import_default_modules()
names = sorted(n for n in app.tasks if not n.startswith("celery."))
print(json.dumps({n: app.amqp.router.route({}, n)["queue"].name for n in names}))
"""


def _run(script: str, **environ) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(environ, DJANGO_SETTINGS_MODULE="msp_maturity.settings")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("split", ["0", "1"])
def test_each_kind_of_work_has_its_queue_only_when_asked(split):
    queues = _run(SCRIPT, CELERY_SPLIT_QUEUES=split)
    assert "core.delivery.deliver" in queues and "integrations.tasks.pull" in queues
    if split == "0":
        assert set(queues.values()) == {"celery"}
        return
    assert queues["core.delivery.deliver"] == "mail"
    assert queues["organisation.chat.post_to_channel"] == "mail"
    assert queues["ratings.tasks.invite_due"] == "mail"
    assert queues["kpis.tasks.run_import"] == "imports"
    assert queues["integrations.tasks.pull"] == queues["integrations.tasks.process_event"] == "psa"
    assert queues["surveys.tasks.dispatch_due"] == "celery"
    assert queues["kpis.tasks.check_thresholds"] == "celery"


@pytest.mark.parametrize(("flag", "disabled"), [("0", False), ("1", True)])
def test_server_side_cursors_are_off_behind_a_pooler(flag, disabled):
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS']))"
    )
    url = "postgres://postgres@127.0.0.1:5432/unused"
    assert _run(script, DATABASE_BEHIND_POOLER=flag, DATABASE_URL=url) is disabled
