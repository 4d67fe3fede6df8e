"""Demo assessments: believable, improving, idempotent."""

import io
import random

from django.utils import timezone

from assessments.models import Assessment, TeamRound
from demo import assessments as demo
from demo.organisation import seed_organisation


def test_the_demo_shows_two_years_of_improvement_and_two_rounds(db):
    today = timezone.localdate()
    org = seed_organisation(random.Random(1), today)
    demo.seed(org, random.Random(1), today, io.StringIO())
    manager_history = list(
        Assessment.objects.personal().filter(user=org.manager).order_by("created_at")
    )
    assert len(manager_history) == 8
    span = manager_history[-1].created_at - manager_history[0].created_at
    assert 600 < span.days < 731
    assert manager_history[0].phase.key in {"reactive", "stable"}
    assert manager_history[-1].phase.key == "proactive"
    assert manager_history[-1].overall_score > manager_history[0].overall_score + 1
    assert Assessment.objects.personal().exclude(user=org.manager).exists()

    finished = TeamRound.objects.get(name=demo.FINISHED_ROUND)
    current = TeamRound.objects.get(name=demo.OPEN_ROUND)
    assert not finished.is_open(today) and current.is_open(today)
    assert finished.submissions.count() == 5 and current.submissions.count() == 2

    count = Assessment.objects.count()
    demo.seed(org, random.Random(1), today, io.StringIO())
    assert Assessment.objects.count() == count
    assert TeamRound.objects.count() == 2
