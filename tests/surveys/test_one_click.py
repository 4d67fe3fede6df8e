"""One click on a face link records the answer; scanners' openings do not
(surveys.one_click), shown with the weekly pulse (the ticket rating: tests/ratings)."""

import datetime
import re

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from surveys.models import Answer, FaceOpening, Invitation, Response
from surveys.one_click import SALT
from tests.surveys.links import links_in, message_to

NOW = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)
NONCE = re.compile(r'name="one_click" value="([^"]+)"')


@pytest.fixture
def faces(pulse_campaign, technician):
    """The five face links of the technician's pulse e-mail, by value."""
    links = links_in(message_to(technician.email))
    return {int(link[-1]): link for link in links if "?face=" in link}


def _open(client, link):
    page = client.get(link)
    match = NONCE.search(page.content.decode())
    return page, match.group(1) if match else None


def _click(client, link, nonce, face):
    return client.post(link, {"one_click": nonce, "face": str(face)})


def _stored():
    return list(Answer.objects.filter(question__key="week").values_list("value", flat=True))


def test_opening_a_face_and_its_scripts_post_records_it_once(client, faces):
    with time_machine.travel(NOW, tick=False):
        page, nonce = _open(client, faces[4])
        assert page.status_code == 200 and nonce
        assert _stored() == []
        done = _click(client, faces[4], nonce, 4)
    assert done.status_code == 302 and "recorded=1" in done["Location"]
    assert _stored() == [4]
    assert Invitation.objects.filter(status="answered").count() == 1
    thanks = client.get(done["Location"]).content.decode()
    assert 'data-testid="recorded"' in thanks and "q_comment" in thanks


def test_a_replayed_nonce_records_nothing_again(client, faces):
    with time_machine.travel(NOW, tick=False):
        _page, nonce = _open(client, faces[4])
        _click(client, faces[4], nonce, 4)
        # The person changes the answer with the form; the old nonce must not undo it.
        client.post(faces[4].split("?")[0], {"q_week": "2", "q_comment": ""})
        again = _click(client, faces[4], nonce, 4)
    assert again.status_code == 409
    assert _stored() == [2]


def test_an_expired_nonce_records_nothing(client, faces):
    with time_machine.travel(NOW, tick=False):
        _page, nonce = _open(client, faces[4])
    with time_machine.travel(NOW + datetime.timedelta(seconds=121), tick=False):
        late = _click(client, faces[4], nonce, 4)
    assert late.status_code == 400
    assert 'data-testid="one-click-refused"' in late.content.decode()
    assert Response.objects.count() == 0


def test_a_nonce_just_inside_two_minutes_records(client, faces):
    with time_machine.travel(NOW, tick=False):
        _page, nonce = _open(client, faces[4])
    with time_machine.travel(NOW + datetime.timedelta(seconds=119), tick=False):
        assert _click(client, faces[4], nonce, 4).status_code == 302
    assert _stored() == [4]


def test_a_forged_or_foreign_nonce_records_nothing(client, faces):
    with time_machine.travel(NOW, tick=False):
        _page, nonce = _open(client, faces[4])
        opening = FaceOpening.objects.get()
        forged = signing.TimestampSigner(salt="another salt").sign(
            f"{opening.invitation_id}.{opening.pk}.4"
        )
        other_face = signing.TimestampSigner(salt=SALT).sign(
            f"{opening.invitation_id}.{opening.pk}.5"
        )
        assert _click(client, faces[4], forged, 4).status_code == 400
        assert _click(client, faces[4], "garbage", 4).status_code == 400
        # Signed for face 4, posted as face 5, and signed for 5 on an opening of 4.
        assert _click(client, faces[5], nonce, 5).status_code == 400
        assert _click(client, faces[5], other_face, 5).status_code == 400
    assert Response.objects.count() == 0


def test_two_faces_opened_within_two_minutes_record_neither(client, faces):
    with time_machine.travel(NOW, tick=False):
        _page, first = _open(client, faces[5])
    with time_machine.travel(NOW + datetime.timedelta(seconds=30), tick=False):
        page, second = _open(client, faces[1])
        assert page.status_code == 409 and second is None
        assert 'data-testid="one-click-refused"' in page.content.decode()
        assert "q_week" in page.content.decode()  # the person chooses in the full form
        assert _click(client, faces[5], first, 5).status_code == 409
    assert Response.objects.count() == 0


def test_a_second_face_opened_after_a_recorded_click_undoes_it(client, faces):
    """A scanner that runs scripts: face 5 opened and posted, face 1 opened a second
    later. Neither stays recorded."""
    with time_machine.travel(NOW, tick=False):
        _page, nonce = _open(client, faces[5])
        assert _click(client, faces[5], nonce, 5).status_code == 302
        assert _stored() == [5]
    with time_machine.travel(NOW + datetime.timedelta(seconds=1), tick=False):
        assert _open(client, faces[1])[0].status_code == 409
    assert Response.objects.count() == 0
    assert Invitation.objects.filter(status="answered").count() == 0


def test_an_undone_change_returns_to_the_earlier_answer(client, faces):
    with time_machine.travel(NOW, tick=False):
        _page, nonce = _open(client, faces[3])
        _click(client, faces[3], nonce, 3)
    later = NOW + datetime.timedelta(days=1)
    with time_machine.travel(later, tick=False):
        _page, nonce = _open(client, faces[5])
        _click(client, faces[5], nonce, 5)
        assert _stored() == [5]
    with time_machine.travel(later + datetime.timedelta(seconds=20), tick=False):
        _open(client, faces[1])
    assert _stored() == [3]


def test_faces_opened_more_than_two_minutes_apart_each_record(client, faces):
    with time_machine.travel(NOW, tick=False):
        _page, nonce = _open(client, faces[2])
        _click(client, faces[2], nonce, 2)
    with time_machine.travel(NOW + datetime.timedelta(seconds=121), tick=False):
        _page, nonce = _open(client, faces[4])
        assert nonce and _click(client, faces[4], nonce, 4).status_code == 302
    assert _stored() == [4]


def test_the_same_face_opened_twice_is_not_ambiguous(client, faces):
    with time_machine.travel(NOW, tick=False):
        _open(client, faces[4])
        _page, nonce = _open(client, faces[4])
        assert _click(client, faces[4], nonce, 4).status_code == 302
    assert _stored() == [4]


def test_a_one_click_keeps_the_comment_given_before(client, faces, technician):
    path = faces[4].split("?")[0]
    client.post(path, {"q_week": "4", "q_comment": "Gut"})
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5), tick=False):
        _page, nonce = _open(client, faces[3])
        _click(client, faces[3], nonce, 3)
    assert set(Answer.objects.values_list("question__key", "value", "text")) == {
        ("week", 3, ""),
        ("comment", None, "Gut"),
    }
