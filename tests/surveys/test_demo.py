"""The demo history: two years of every survey, idempotent and quick the second time."""

import datetime
import io
import random
import time

from django.utils import timezone

from core.periods import Period
from demo import surveys as demo
from demo.organisation import seed_organisation
from surveys import metrics
from surveys.models import Campaign, Invitation, Response


def test_the_demo_fills_every_chart_and_a_second_run_adds_nothing(db):
    today = timezone.localdate()
    org = seed_organisation(random.Random(1), today)
    demo.seed(org, random.Random(1), today, io.StringIO())
    counts = (Campaign.objects.count(), Invitation.objects.count(), Response.objects.count())
    kinds = set(Response.objects.values_list("survey__kind", flat=True))
    assert kinds == {"client_onboarding", "technician_onboarding", "pulse", "in_depth"}
    year_ago = today - datetime.timedelta(days=365)
    months = metrics.client_onboarding_by_month(
        Period(year_ago - datetime.timedelta(days=365), today)
    )
    assert sum(1 for m in months if m["responses"]) >= 12
    quarters = metrics.job_satisfaction_by_quarter(
        Period(today - datetime.timedelta(days=700), today)
    )
    assert sum(1 for q in quarters if q["average"] is not None) >= 6
    assert metrics.pulse_average(Period(year_ago, today)) is not None
    statuses = set(
        Campaign.objects.get(auto_key=demo.MARKER).invitations.values_list("status", flat=True)
    )
    assert {"sent", "failed", "answered"} <= statuses

    started = time.monotonic()
    out = io.StringIO()
    demo.seed(org, random.Random(1), today, out)
    assert time.monotonic() - started < 1
    assert "already" in out.getvalue()
    assert (
        Campaign.objects.count(),
        Invitation.objects.count(),
        Response.objects.count(),
    ) == counts
