"""Demo assessments: two years of quarterly results for the manager (from Reaktiv/Stabil
to Proaktiv), a few for technicians, one finished team round and one open round.

Idempotent: when the manager already has assessments, nothing is added.
"""

import datetime

from django.utils import timezone

from assessments.models import Assessment, Questionnaire, TeamRound
from assessments.services import load_content, store_assessment

# Overall level per quarter, oldest first (eight quarters = two years).
MANAGER_LEVELS = [1.7, 1.95, 2.25, 2.5, 2.8, 3.05, 3.3, 3.55]
# Areas develop differently: processes lead, revenue lags.
AREA_OFFSETS = {"processes": 0.45, "technology": 0.2, "customers": -0.1, "revenue": -0.55}
FINISHED_ROUND = "Teamrunde Standortbestimmung"
OPEN_ROUND = "Teamrunde Herbst"


def _values_for(average: float, rng) -> list[int]:
    """Five answers 1..5 whose sum is the average * 5 rounded, spread a little."""
    total = max(5, min(25, round(average * 5)))
    values = [total // 5] * 5
    for index in range(total % 5):
        values[index] += 1
    for _ in range(3):  # move a point between two statements, staying on the scale
        give, take = rng.randrange(5), rng.randrange(5)
        if give != take and values[give] > 1 and values[take] < 5:
            values[give] -= 1
            values[take] += 1
    rng.shuffle(values)
    return values


def _answers(content, level: float, rng, noise: float = 0.25) -> dict[int, int]:
    answers = {}
    for area in content.areas:
        average = level + AREA_OFFSETS.get(area.key, 0) + rng.uniform(-noise, noise)
        for statement, value in zip(area.statement_list, _values_for(average, rng), strict=True):
            answers[statement.pk] = value
    return answers


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _team_round(name, content, org, rng, *, opened, closes_on, answers, hour) -> int:
    """A round of the first five technicians and the manager, unless one of that name
    exists; ``answers``: (member, level) of those who answered, a day apart. Returns how
    many answered."""
    if TeamRound.objects.filter(name=name).exists():
        return 0
    team_round = TeamRound.objects.create(
        name=name,
        questionnaire=content.questionnaire,
        opened_by=org.manager,
        created_at=_at(opened, 9),
        closes_on=closes_on,
    )
    team_round.members.set([*org.technician_users[:5], org.manager])
    answered = 0
    for index, (user, level) in enumerate(answers):
        store_assessment(
            user,
            content,
            _answers(content, level, rng),
            team_round=team_round,
            when=_at(opened + datetime.timedelta(days=index + 1), hour),
        )
        answered += 1
    return answered


def seed(org, rng, today: datetime.date, stdout) -> None:
    if Assessment.objects.filter(user=org.manager).exists():
        return
    questionnaire = Questionnaire.objects.current()
    if questionnaire is None:
        return
    content = load_content(questionnaire)
    created = 0
    start = today - datetime.timedelta(days=7 * 91)
    for quarter, level in enumerate(MANAGER_LEVELS):
        day = start + datetime.timedelta(days=quarter * 91)
        store_assessment(
            org.manager, content, _answers(content, level, rng, noise=0.1), when=_at(day)
        )
        created += 1
    for offset, user in enumerate(org.technician_users[:3]):
        base = 2.3 + 0.3 * offset
        for step in range(4):
            day = today - datetime.timedelta(days=(3 - step) * 91 + 10 + offset)
            store_assessment(
                user, content, _answers(content, base + 0.2 * step, rng), when=_at(day, 14)
            )
            created += 1

    team = org.technician_users[:5]
    # Closed three weeks ago: the dashboard's default period (30 days) shows its phase.
    opened = today - datetime.timedelta(days=35)
    created += _team_round(
        FINISHED_ROUND,
        content,
        org,
        rng,
        opened=opened,
        closes_on=opened + datetime.timedelta(days=12),
        answers=zip([*team[:4], org.manager], [2.4, 3.1, 2.7, 3.4, 3.0], strict=False),
        hour=11,
    )
    created += _team_round(
        OPEN_ROUND,
        content,
        org,
        rng,
        opened=today - datetime.timedelta(days=4),
        closes_on=today + datetime.timedelta(days=10),
        answers=zip(team[:2], [2.9, 3.4], strict=False),
        hour=15,
    )
    stdout.write(f"Assessments: {created} demo assessments and 2 team rounds.")
