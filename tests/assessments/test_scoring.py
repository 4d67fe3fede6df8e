"""The published scoring, computed by hand."""

from decimal import Decimal
from fractions import Fraction

import pytest

from assessments import scoring
from assessments.models import Questionnaire
from assessments.services import load_content, score_answers
from tests.assessments.factories import WORKED_EXAMPLE, answers_for, uniform


class Band:
    def __init__(self, key, low, high):
        self.key, self.min_score, self.max_score = key, Decimal(low), Decimal(high)

    def __repr__(self):
        return self.key


PHASES = [
    Band("reactive", "1.00", "2.00"),
    Band("stable", "2.00", "3.00"),
    Band("proactive", "3.00", "4.00"),
    Band("scalable", "4.00", "5.00"),
]


def test_an_area_average_is_the_sum_divided_by_five():
    assert scoring.area_average([5, 5, 5, 4, 4]) == Fraction(23, 5)
    assert scoring.area_average([5, 5, 5, 4, 4]) == Fraction("4.6")


def test_the_worked_example_gives_3_55():
    overall = scoring.overall_score(
        [Fraction("4.6"), Fraction("3.2"), Fraction("3.8"), Fraction("2.6")]
    )
    assert overall == Fraction("3.55")
    assert scoring.phase_for(overall, PHASES).key == "proactive"
    assert scoring.display_score(overall) == Decimal("3.55")


@pytest.mark.parametrize(
    "score,phase",
    [
        ("1", "reactive"),
        ("1.95", "reactive"),
        ("1.99", "reactive"),
        ("2.0", "stable"),
        ("2.95", "stable"),
        ("3.0", "proactive"),
        ("3.95", "proactive"),
        ("4.0", "scalable"),
        ("5", "scalable"),
    ],
)
def test_phases_are_half_open_ranges_on_the_unrounded_score(score, phase):
    assert scoring.phase_for(Fraction(score), PHASES).key == phase


def test_a_score_just_below_a_boundary_stays_in_the_lower_phase():
    # 1.999... would round to 2.00 but is not yet Stabil.
    just_below = Fraction(2) - Fraction(1, 1000)
    assert scoring.phase_for(just_below, PHASES).key == "reactive"
    assert scoring.display_score(just_below, scoring.phase_for(just_below, PHASES)) == Decimal(
        "1.99"
    )


def test_display_rounds_half_up_to_two_decimals():
    assert scoring.display_score(Fraction(10, 3)) == Decimal("3.33")
    assert scoring.display_score(Fraction(11, 3)) == Decimal("3.67")
    assert scoring.display_score(Fraction("2.125")) == Decimal("2.13")


@pytest.mark.parametrize("score", ["0.99", "5.01", "0"])
def test_a_score_outside_the_scale_is_refused(score):
    with pytest.raises(ValueError):
        scoring.phase_for(Fraction(score), PHASES)


def test_the_next_phase_follows_in_order_and_ends_at_the_top():
    assert scoring.next_phase(PHASES[0], PHASES) is PHASES[1]
    assert scoring.next_phase(PHASES[3], PHASES) is None


def test_an_empty_area_is_an_error_not_a_division_by_zero():
    with pytest.raises(ValueError):
        scoring.area_average([])
    with pytest.raises(ValueError):
        scoring.overall_score([])


# --- Against the published questionnaire -------------------------------------------------


@pytest.fixture
def content(db):
    return load_content(Questionnaire.objects.current())


def test_the_worked_example_against_the_questionnaire(content):
    result = score_answers(content, answers_for(WORKED_EXAMPLE, content))
    assert [a.shown for a in result.areas] == [
        Decimal("4.60"),
        Decimal("3.20"),
        Decimal("3.80"),
        Decimal("2.60"),
    ]
    assert result.overall == Fraction("3.55")
    assert result.phase.name_de == "Proaktiv"
    # Per-area phases: 4.6 Skalierbar, 3.2 and 3.8 Proaktiv, 2.6 Stabil.
    assert [a.phase.name_de for a in result.areas] == [
        "Skalierbar",
        "Proaktiv",
        "Proaktiv",
        "Stabil",
    ]


def test_each_area_gets_the_tip_of_its_own_phase_and_the_next_phase(content):
    result = score_answers(content, answers_for(WORKED_EXAMPLE, content))
    processes, technology, customers, revenue = result.areas
    assert processes.tip.text_de.startswith("Stellen Sie sicher, dass neue Teammitglieder")
    assert processes.next_phase is None and processes.next_tip is None
    assert technology.tip.text_de.startswith("Investieren Sie in Tools")
    assert technology.next_tip.text_de.startswith("Beginnen Sie mit einer vierteljährlichen")
    assert customers.tip.text_de.startswith("Personalisieren Sie die Kommunikation.")
    assert customers.next_tip.text_de.startswith("Erstellen Sie ein Kundenerfolgs-Playbook")
    assert revenue.tip.text_de.startswith("Verfolgen Sie Abwanderung nach")
    assert revenue.next_tip.text_de.startswith("Erstellen Sie eine Upselling-Kampagne")


def test_all_ones_is_reactive_and_all_fives_scalable(content):
    lowest = score_answers(content, answers_for(uniform(1), content))
    highest = score_answers(content, answers_for(uniform(5), content))
    assert (lowest.overall, lowest.phase.key) == (1, "reactive")
    assert lowest.next_phase.key == "stable"
    assert all(a.tip.phase.key == "reactive" for a in lowest.areas)
    assert (highest.overall, highest.phase.key) == (5, "scalable")
    assert highest.next_phase is None
    assert all(a.next_tip is None for a in highest.areas)


@pytest.mark.parametrize(
    "sums,expected_score,phase",
    [
        # Area sums -> overall = total / 20.
        ((10, 10, 9, 10), "1.95", "reactive"),
        ((10, 10, 10, 10), "2.00", "stable"),
        ((15, 15, 14, 15), "2.95", "stable"),
        ((15, 15, 15, 15), "3.00", "proactive"),
        ((20, 20, 19, 20), "3.95", "proactive"),
        ((20, 20, 20, 20), "4.00", "scalable"),
    ],
)
def test_boundaries_with_real_answers(content, sums, expected_score, phase):
    def spread(total):
        values = [total // 5] * 5
        for i in range(total % 5):
            values[i] += 1
        return values

    result = score_answers(content, answers_for([spread(s) for s in sums], content))
    assert result.shown == Decimal(expected_score)
    assert result.phase.key == phase


def test_a_missing_answer_is_an_error(content):
    answers = answers_for(WORKED_EXAMPLE, content)
    answers.pop(next(iter(answers)))
    with pytest.raises(ValueError):
        score_answers(content, answers)
