"""The demo's ticket ratings: the list and ticket CSAT have figures; a second run adds
nothing."""

import io
import random

from django.utils import timezone

from demo import kpis, ratings
from demo.organisation import seed_organisation
from ratings.metrics import csat_counts, ticket_csat
from ratings.models import FeedbackCase, TicketRating
from ratings.queries import with_answers


def test_the_demo_has_rated_tickets_and_runs_once(db):
    today = timezone.localdate()
    org = seed_organisation(random.Random(1), today)
    kpis.seed(org, random.Random(1), today, io.StringIO())
    ratings.seed(org, random.Random(1), today, io.StringIO())
    count = TicketRating.objects.count()
    assert count >= 30
    counts = csat_counts(with_answers())
    assert counts["rated"] >= 20
    assert 0.5 < ticket_csat(counts["positive"], counts["rated"]) < 1
    assert with_answers().filter(comment__gt="").exists()
    assert FeedbackCase.objects.filter(status="open").exists()
    closed = FeedbackCase.objects.filter(status="closed")
    assert closed.exists() and all(c.note and c.closed_at > c.opened_at for c in closed)
    assert all(c.face <= 3 for c in FeedbackCase.objects.all())
    out = io.StringIO()
    ratings.seed(org, random.Random(1), today, out)
    assert TicketRating.objects.count() == count
    assert "already present" in out.getvalue()
