"""Results pages: figures, empty sets, CSV, bounded queries and privacy."""

import csv
import datetime
import io

import pytest
import time_machine
from django.utils import timezone

from surveys import reports
from surveys.csv_export import neutralise
from surveys.models import Campaign, SurveyKind
from surveys.reports import check_in_reasons
from tests.surveys.helpers import (
    answer,
    campaign,
    client_answer,
    invite,
    make_client,
    make_technician,
    publish_quarters,
)

D = datetime.date


def rows_of(response):
    text = (
        b"".join(response.streaming_content).decode()
        if response.streaming
        else response.content.decode()
    )
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


# --- Check-in rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "series,expected",
    [
        ([], []),
        ([4, 4, 2], ["low", "drop"]),
        ([3, 1], ["low", "drop"]),
        ([5, 3], ["drop"]),
        ([4, 3], []),
        ([2], ["low"]),
        ([4, None, None], ["silent"]),
        ([4, None], []),
        ([None, None], ["silent"]),
        ([5, None, 3], ["drop"]),  # a skipped week does not hide a drop
        ([1, 3], []),  # rising again
    ],
)
def test_check_in_reasons(series, expected):
    assert check_in_reasons(series) == expected


# --- Client satisfaction --------------------------------------------------------------------


def test_empty_results_show_dashes(manager_client):
    page = manager_client.get("/surveys/results/clients/")
    html = page.content.decode()
    assert page.status_code == 200
    for tile in ("nps", "csat", "ces", "response-rate"):
        segment = html.split(f'data-testid="tile-{tile}"')[1][:400]
        assert "—" in segment


def test_client_results_show_hand_computed_figures_and_escaped_comments(manager_client):
    camp = campaign(SurveyKind.CLIENT_ONBOARDING)
    acme = make_client("Acme")
    today = timezone.localdate()
    client_answer(camp, acme, 5, 10, 7, today, comment="<script>alert(1)</script>")
    client_answer(camp, acme, 2, 5, 3, today)
    page = manager_client.get("/surveys/results/clients/")
    html = page.content.decode()
    # NPS (1 - 1) / 2 = 0; CSAT 1/2 = 50 %; CES (7 + 3) / 2 = 5
    assert ">0<" in html.split('data-testid="tile-nps"')[1][:300].replace(" ", "")
    assert "50" in html.split('data-testid="tile-csat"')[1][:300]
    assert "5,00" in html.split('data-testid="tile-ces"')[1][:300]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_client_csv_neutralises_formulas(manager_client):
    camp = campaign(SurveyKind.CLIENT_ONBOARDING)
    evil = make_client('=HYPERLINK("http://x")')
    client_answer(camp, evil, 4, 9, 6, timezone.localdate(), comment="@SUM(A1)")
    by_client = rows_of(manager_client.get("/surveys/results/clients/by-client.csv"))
    assert by_client[0][0] == "Kunde"
    assert by_client[1][0].startswith("'=HYPERLINK")
    assert by_client[1][1] == "100.0"  # NPS
    comments = rows_of(manager_client.get("/surveys/results/clients/comments.csv"))
    assert comments[1][2] == "'@SUM(A1)"
    months = rows_of(manager_client.get("/surveys/results/clients/by-month.csv"))
    assert any(row[1] == "—" for row in months[1:]) or len(months) >= 2


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=1+1", "'=1+1"),
        ("+49 30", "'+49 30"),
        ("-x", "'-x"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ok", "ok"),
        (-20.0, "-20.0"),
        (3, "3"),
        (None, "—"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_client_results_take_a_bounded_number_of_queries(
    manager_client, django_assert_max_num_queries
):
    camp = campaign(SurveyKind.CLIENT_ONBOARDING)
    for i in range(6):
        client = make_client(f"C{i}")
        for j in range(3):
            client_answer(
                camp,
                client,
                4,
                8 + j % 3,
                5,
                timezone.localdate() - datetime.timedelta(days=40 * j),
                comment=f"c{i}{j}",
            )
    with django_assert_max_num_queries(14):
        assert manager_client.get("/surveys/results/clients/").status_code == 200


# --- Pulse ----------------------------------------------------------------------------------


def _pulse_week(weeks_ago: int, values: dict):
    now = timezone.now()
    camp = campaign(
        SurveyKind.PULSE,
        send_at=now - datetime.timedelta(weeks=weeks_ago, days=3),
        status=Campaign.Status.CLOSED,
    )
    for technician, value in values.items():
        inv = invite(camp, technician)
        if value is not None:
            answer(
                inv,
                {"week": value},
                submitted_on=timezone.localdate() - datetime.timedelta(weeks=weeks_ago, days=2),
            )
    return camp


def test_the_pulse_page_names_whom_to_check_in_with(manager_client, django_assert_max_num_queries):
    steady, sliding, silent = (
        make_technician("Steady Stefan"),
        make_technician("Sliding Sara"),
        make_technician("Silent Sven"),
    )
    _pulse_week(3, {steady: 4, sliding: 5, silent: 4})
    _pulse_week(2, {steady: 4, sliding: 5, silent: None})
    _pulse_week(1, {steady: 4, sliding: 3, silent: None})
    with django_assert_max_num_queries(10):
        page = manager_client.get("/surveys/results/pulse/")
    html = page.content.decode()
    assert 'data-testid="pulse-named-note"' in html
    check_in = html.split('data-testid="check-in"')[1].split("</ul>")[0]
    assert "Sliding Sara" in check_in and 'data-reason="drop"' in check_in
    assert "Silent Sven" in check_in and 'data-reason="silent"' in check_in
    assert "Steady Stefan" not in check_in
    team = rows_of(manager_client.get("/surveys/results/pulse/team.csv"))
    assert [r[1] for r in team[1:] if r[1] != "—"] == [
        "4.3",
        "4.5",
        "3.5",
    ]  # (4+5+4)/3, (4+5)/2, (4+3)/2
    heatmap = rows_of(manager_client.get("/surveys/results/pulse/heatmap.csv"))
    assert heatmap[0][0] == "Techniker" and len(heatmap) == 4


@time_machine.travel(datetime.datetime(2026, 3, 18, 11, tzinfo=datetime.UTC), tick=False)
def test_the_check_in_list_alone_is_the_pulse_reports(db):
    steady, sliding, low, silent, fresh, leaver = (
        make_technician(name)
        for name in (
            "Steady Stefan",
            "Sliding Sara",
            "Low Lena",
            "Silent Sven",
            "Fresh Fritz",
            "Left Leo",
        )
    )
    _pulse_week(3, {steady: 4, sliding: 5, silent: 4, fresh: 4, leaver: 4})
    _pulse_week(2, {steady: 4, sliding: 5, silent: None, fresh: 4, leaver: 4})
    _pulse_week(1, {steady: 4, sliding: 3, low: 2, silent: None, fresh: None, leaver: 1})
    # Sent a day ago and not answered yet: not counted as silent before two days.
    invite(campaign(SurveyKind.PULSE, send_at=timezone.now() - datetime.timedelta(days=1)), fresh)
    leaver.leave_date = timezone.localdate() - datetime.timedelta(days=1)
    leaver.save()
    expected = [
        # by name; Fresh Fritz: 4, 4, None (and a pulse not settled) is no reason
        {"technician": low, "reasons": ["low"], "latest": 2, "previous": None},
        {"technician": silent, "reasons": ["silent"], "latest": 4, "previous": None},
        {"technician": sliding, "reasons": ["drop"], "latest": 3, "previous": 5},
    ]
    assert reports.pulse_check_in() == expected
    assert reports.pulse_report().check_in == expected


# --- Aggregate-only surveys -----------------------------------------------------------------


JULY = D(2026, 7, 20)


def _in_depth(respondents: int, quarter_day=JULY, job=7):
    camp = campaign(
        SurveyKind.IN_DEPTH,
        status=Campaign.Status.CLOSED,
        send_at=timezone.make_aware(datetime.datetime.combine(quarter_day, datetime.time(9))),
    )
    for i in range(respondents):
        answer(
            invite(camp, make_technician()),
            {"job_satisfaction": job, "stress": i},
            submitted_on=quarter_day,
            texts={"improve_first": f"Idee {i}"},
        )
    return camp


OCTOBER = D(2026, 10, 1)  # the day after the July quarter ended


def test_in_depth_results_are_hidden_below_five_respondents(manager_client, settings):
    settings.SURVEY_MIN_AGGREGATE = 5
    _in_depth(4)
    publish_quarters(OCTOBER)
    page = manager_client.get("/surveys/results/in-depth/")
    html = page.content.decode()
    assert 'data-testid="below-threshold"' in html
    assert "Idee" not in html
    table = html.split('data-testid="question-table"')[1].split("</table>")[0]
    assert "7,0" not in table and "—" in table
    rows = rows_of(manager_client.get("/surveys/results/in-depth/questions.csv?quarter=2026-07-01"))
    assert all(row[1] == "—" and row[2] == "" for row in rows[1:])


def test_in_depth_results_show_averages_from_five_respondents(manager_client, settings):
    settings.SURVEY_MIN_AGGREGATE = 5
    _in_depth(5)
    publish_quarters(OCTOBER)
    html = manager_client.get("/surveys/results/in-depth/?quarter=2026-07-01").content.decode()
    assert 'data-testid="below-threshold"' not in html
    assert "7,0" in html  # job satisfaction
    assert "2,0" in html  # stress (0+1+2+3+4)/5
    assert "Idee 3" in html
    rows = rows_of(manager_client.get("/surveys/results/in-depth/questions.csv?quarter=2026-07-01"))
    assert rows[0][2] == "Antwortende"
    job = next(r for r in rows if r[0].startswith("Wie zufrieden bist du insgesamt"))
    assert job[1:] == ["7.0", "5"]


def test_an_open_in_depth_campaign_is_not_shown_yet(manager_client):
    camp = _in_depth(6)
    Campaign.objects.filter(pk=camp.pk).update(status=Campaign.Status.OPEN)
    assert publish_quarters(OCTOBER) == {"published": 0, "withheld": 0}
    html = manager_client.get("/surveys/results/in-depth/").content.decode()
    assert "Idee" not in html and "7,0" not in html
    assert 'data-testid="not-published"' in html


def test_the_admin_lists_no_in_depth_answers(client, staff_user):
    camp = _in_depth(5)
    client.force_login(staff_user)
    listing = client.get("/admin/surveys/response/").content.decode()
    assert "0 " in listing or "Ausführliche" not in listing
    response = camp.responses.first()
    assert client.get(f"/admin/surveys/response/{response.pk}/change/").status_code in (302, 404)
    assert client.get("/admin/surveys/answer/").status_code == 404


def test_a_technician_cannot_open_another_technicians_answers(
    technician_client, technician, other_technician_user
):
    other = make_technician(user=other_technician_user)
    camp = campaign(SurveyKind.IN_DEPTH)
    theirs = invite(camp, other)
    answer(theirs, {"job_satisfaction": 2}, submitted_on=timezone.localdate())
    mine = invite(camp, technician)
    assert technician_client.get(f"/surveys/mine/{theirs.pk}/").status_code == 404
    assert (
        technician_client.post(
            f"/surveys/mine/{theirs.pk}/", {"q_job_satisfaction": "9"}
        ).status_code
        == 404
    )
    assert theirs.response.answers.get().value == 2
    own = technician_client.get(f"/surveys/mine/{mine.pk}/")
    assert own.status_code == 200
    overview = technician_client.get("/surveys/mine/").content.decode()
    assert f"/surveys/mine/{mine.pk}/" in overview and f"/surveys/mine/{theirs.pk}/" not in overview


def test_managers_cannot_open_a_technicians_answer_page(manager_client, technician):
    inv = invite(campaign(SurveyKind.IN_DEPTH), technician)
    assert manager_client.get(f"/surveys/mine/{inv.pk}/").status_code == 403


def test_a_technician_sees_their_own_pulse_history(technician_client, technician):
    _pulse_week(2, {technician: 2})
    _pulse_week(1, {technician: 4, make_technician("Other Olga"): 1})
    html = technician_client.get("/surveys/mine/").content.decode()
    table = html.split('data-testid="my-pulse"')[1].split("</table>")[0]
    assert "<td>4</td>" in table and "<td>2</td>" in table
    assert "Olga" not in html


def test_results_pages_are_for_managers_only(technician_client):
    for url in (
        "/surveys/results/clients/",
        "/surveys/results/pulse/",
        "/surveys/results/in-depth/",
        "/surveys/results/pulse/heatmap.csv",
    ):
        assert technician_client.get(url).status_code == 403


@pytest.mark.parametrize("quarters", [1, 4])
def test_the_in_depth_page_takes_a_fixed_number_of_queries(
    manager_client, settings, django_assert_max_num_queries, quarters
):
    settings.SURVEY_MIN_AGGREGATE = 5
    for i in range(quarters):
        _in_depth(5 + i, quarter_day=D(2025, 1 + 3 * i, 20))
    campaign(SurveyKind.IN_DEPTH, send_at=timezone.now())  # a quarter still pending
    publish_quarters(D(2026, 1, 1))
    with django_assert_max_num_queries(9):
        page = manager_client.get("/surveys/results/in-depth/")
    assert page.status_code == 200 and "Idee 3" in page.content.decode()
    with django_assert_max_num_queries(9):
        assert manager_client.get("/surveys/results/in-depth/questions.csv").status_code == 200
