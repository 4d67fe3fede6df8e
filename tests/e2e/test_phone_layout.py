"""Survey and result pages on a phone (390x844) and a laptop (1366x900), German and
English: no sideways scroll, answer buttons at least 44 px square, the 0-10 scale in one
row or two balanced rows with its end labels under its ends, the pulse's faces in one row
and in colour, the self-assessment result and a team round without sideways scroll."""

import os
from pathlib import Path

import pytest

from assessments.services import open_round
from surveys.models import Invitation, Response
from tests.assessments.factories import WORKED_EXAMPLE, store, uniform
from tests.conftest import IN_CI
from tests.helpers import login_in_browser, make_user
from tests.surveys.helpers import campaign, invite, make_client, make_contact, make_technician
from tests.surveys.links import link_token

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
# Set to a folder to keep a screenshot of every page these tests open.
SHOTS = os.environ.get("LAYOUT_SCREENSHOTS")

# Per scale on the page: its answers' boxes grouped into rows by their top edge, the end
# labels' box, and the page's width against the viewport's.
LAYOUT = """() => {
  const scales = [...document.querySelectorAll('.survey-scale')].map((scale) => {
    const boxes = [...scale.querySelectorAll('label')].map((label) => label.getBoundingClientRect());
    const rows = new Map();
    for (const box of boxes) {
      const top = Math.round(box.top);
      rows.set(top, (rows.get(top) || 0) + 1);
    }
    const grid = scale.getBoundingClientRect();
    const ends = scale.nextElementSibling.getBoundingClientRect();
    const last = boxes[boxes.length - 1];
    return {
      key: scale.dataset.scale,
      rows: [...rows.entries()].sort((a, b) => a[0] - b[0]).map((entry) => entry[1]),
      smallest: [Math.min(...boxes.map((b) => b.width)), Math.min(...boxes.map((b) => b.height))],
      firstLeft: boxes[0].left, lastRight: last.right, lastBottom: last.bottom,
      gridLeft: grid.left, gridRight: grid.right,
      endsTop: ends.top, endsLeft: ends.left, endsRight: ends.right,
    };
  });
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    // Tables whose scroll region hides columns (they would scroll sideways on their own).
    clippedTables: [...document.querySelectorAll('.table-responsive')]
      .filter((region) => region.scrollWidth > region.clientWidth + 1)
      .map((region) => region.querySelector('table')?.dataset.testid || region.className),
    scales,
  };
}"""

# Draws a face with the font the page gives it and counts clearly coloured pixels: a
# monochrome outline glyph has none.
COLOURED_PIXELS = """(label) => {
  const face = label.querySelector('.face-emoji');
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 64;
  const context = canvas.getContext('2d');
  context.font = `48px ${getComputedStyle(face).fontFamily}`;
  context.textBaseline = 'top';
  context.fillStyle = '#000';
  context.fillText(face.textContent.trim(), 4, 4);
  const data = context.getImageData(0, 0, 64, 64).data;
  let coloured = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured += 1;
  }
  return coloured;
}"""


def open_page(page, url: str, viewport: dict, language: str, name: str):
    page.set_viewport_size(viewport)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": url}])
    page.goto(url)
    page.wait_for_load_state()
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        height = page.evaluate("document.documentElement.scrollHeight")
        for part, top in enumerate(range(0, height, 1600)):
            clip = {"x": 0, "y": top, "width": viewport["width"], "height": 1600}
            page.screenshot(
                path=f"{SHOTS}/{name}-{viewport['width']}-{language}-{part}.png",
                full_page=True,
                clip=clip,
            )
    return page.evaluate(LAYOUT)


def assert_no_sideways_scroll(facts, wide_tables_scroll: bool = False):
    """The page does not scroll sideways, nor does a table inside it unless
    ``wide_tables_scroll`` (the history's score per area and date is a wide grid by
    nature: it scrolls in its own keyboard-reachable region)."""
    assert facts["scrollWidth"] <= facts["innerWidth"], facts["scrollWidth"]
    if not wide_tables_scroll:
        assert facts["clippedTables"] == []


def assert_scales_fit(facts, expected_rows: dict):
    """Every answer at least 44x44 px, rows balanced, end labels under the scale's ends."""
    assert_no_sideways_scroll(facts)
    seen = {}
    for scale in facts["scales"]:
        width, height = scale["smallest"]
        assert width >= 44 and height >= 44, scale
        assert max(scale["rows"]) - min(scale["rows"]) <= 1, scale
        # The first and the last answer sit at the grid's edges, the labels beneath them.
        assert abs(scale["firstLeft"] - scale["gridLeft"]) <= 1, scale
        assert abs(scale["lastRight"] - scale["gridRight"]) <= 1, scale
        assert scale["endsTop"] >= scale["lastBottom"], scale
        assert abs(scale["endsLeft"] - scale["gridLeft"]) <= 1, scale
        assert abs(scale["endsRight"] - scale["gridRight"]) <= 1, scale
        seen[scale["key"]] = scale["rows"]
    assert {key: seen[key] for key in expected_rows} == expected_rows


def survey_links(live_server, language: str) -> dict[str, str]:
    """Personal links to the client survey (CSAT 1-5, NPS 0-10, CES 1-7), the pulse and
    the in-depth survey (ten 0-10 scales), for recipients who speak ``language``."""
    contact = make_contact(make_client(), language=language)
    technician = make_technician(language=language)
    links = {}
    for kind, recipient in [
        ("client_onboarding", contact),
        ("pulse", technician),
        ("in_depth", technician),
    ]:
        invitation = invite(campaign(kind), recipient)
        links[kind] = f"{live_server.url}/surveys/r/{link_token(invitation)}/"
    assert Invitation.objects.count() == 3
    return links


# Rows per scale, by hand: 390 px leave 340 px inside a card; 0-10 needs 11 x 44 px
# (484 > 340), so 6 + 5; 1-7 fits in one row (7 x 44 px + 6 gaps of 4 px = 332); 1-5
# and the five faces in one row. 1366 px: every scale in one row.
CLIENT_ROWS = {
    390: {"overall_satisfaction": [5], "recommend": [6, 5], "support_effort": [7]},
    1366: {"overall_satisfaction": [5], "recommend": [11], "support_effort": [7]},
}
IN_DEPTH_ROWS = {
    390: {"ease_of_job": [6, 5], "job_satisfaction": [6, 5]},
    1366: {"ease_of_job": [11], "job_satisfaction": [11]},
}


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
def test_survey_scales_are_made_for_a_phone(page, live_server, viewport, language):
    links = survey_links(live_server, language)
    width = viewport["width"]

    facts = open_page(page, links["client_onboarding"], viewport, language, "client-survey")
    assert page.locator("html").get_attribute("lang") == language
    assert_scales_fit(facts, CLIENT_ROWS[width])

    facts = open_page(page, links["in_depth"], viewport, language, "in-depth-survey")
    assert_scales_fit(facts, IN_DEPTH_ROWS[width])

    facts = open_page(page, links["pulse"], viewport, language, "pulse")
    assert_scales_fit(facts, {"week": [5]})  # the five faces in one row
    faces = page.locator("[data-face]")
    assert faces.count() == 5
    if EMOJI_FONT.exists() or IN_CI:
        for value in (1, 3, 5):
            coloured = page.locator(f'[data-face="{value}"]').evaluate(COLOURED_PIXELS)
            assert coloured > 50, f"face {value} is not drawn in colour"
    assert page.js_errors == []


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_self_assessment_its_result_and_a_team_round_fit_a_phone(page, live_server, language):
    manager = make_user("boss", "manager", first_name="Bea", last_name="Boss")
    member = make_user("ali", "technician", first_name="Ali", last_name="Aydin")
    assessment = store(manager, WORKED_EXAMPLE)
    team_round = open_round(
        name="Teamrunde mit einem langen Namen", opened_by=manager, members=[manager, member]
    )
    store(manager, WORKED_EXAMPLE, team_round=team_round)
    store(member, uniform(2), team_round=team_round)

    login_in_browser(page, live_server, "boss")
    form = open_page(page, f"{live_server.url}/assessment/", PHONE, language, "assessment")
    assert_no_sideways_scroll(form)
    smallest = page.evaluate(
        """() => [...document.querySelectorAll('.statement-choices label')].reduce(
          (least, label) => {
            const box = label.getBoundingClientRect();
            return [Math.min(least[0], box.width), Math.min(least[1], box.height)];
          }, [Infinity, Infinity])"""
    )
    assert smallest[0] >= 44 and smallest[1] >= 44, smallest
    result_url = f"{live_server.url}/assessment/results/{assessment.public_id}/"
    assert_no_sideways_scroll(open_page(page, result_url, PHONE, language, "result"))
    page.wait_for_selector("[data-testid=overall-score]")

    round_url = f"{live_server.url}/assessment/rounds/{team_round.pk}/"
    assert_no_sideways_scroll(open_page(page, round_url, PHONE, language, "round"))
    page.wait_for_selector("[data-testid=round-score]")
    rounds = f"{live_server.url}/assessment/rounds/"
    assert_no_sideways_scroll(open_page(page, rounds, PHONE, language, "rounds"))
    history = f"{live_server.url}/assessment/history/"
    facts = open_page(page, history, PHONE, language, "history")
    assert_no_sideways_scroll(facts, wide_tables_scroll=True)
    assert page.js_errors == []


def test_a_technician_answers_on_a_phone_in_the_english_ui(page, live_server, technician):
    """Signed in, the survey speaks the language chosen for the product, here English for
    a technician stored as German."""
    invitation = invite(campaign("pulse"), technician)
    assert invitation.language == "de"
    login_in_browser(page, live_server, "tech")
    url = f"{live_server.url}/surveys/mine/{invitation.pk}/"
    facts = open_page(page, url, PHONE, "en", "own-pulse")
    assert page.locator("main h1").inner_text() == "How was your week?"
    assert_scales_fit(facts, {"week": [5]})
    page.click('[data-face="2"]')
    page.click("main form.survey-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/surveys/mine/")
    page.wait_for_selector("[data-testid=my-pulse]")
    assert_no_sideways_scroll(page.evaluate(LAYOUT))
    assert Response.objects.get().answers.get(question__key="week").value == 2
    assert page.js_errors == []
