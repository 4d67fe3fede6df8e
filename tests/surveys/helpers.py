"""Builders for survey tests: campaigns, invitations and answers in a few lines."""

import datetime

from django.utils import timezone

from core.periods import day_start
from organisation.models import Client, Contact, Technician
from surveys import rollups
from surveys.models import (
    Answer,
    Campaign,
    Invitation,
    InvitationStatus,
    Response,
    Survey,
    SurveyKind,
)

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def survey(kind: str) -> Survey:
    return Survey.objects.get(kind=kind)


def campaign(kind: str, status=Campaign.Status.OPEN, closes_in_days=14, **extra) -> Campaign:
    now = timezone.now()
    return Campaign.objects.create(
        survey=survey(kind),
        name=extra.pop("name", f"{kind} campaign {_next()}"),
        status=status,
        send_at=extra.pop("send_at", now),
        started_at=now if status != Campaign.Status.SCHEDULED else None,
        closes_at=extra.pop("closes_at", now + datetime.timedelta(days=closes_in_days)),
        **extra,
    )


def make_client(name="Client", contract_start=datetime.date(2026, 1, 1)) -> Client:
    n = _next()
    return Client.objects.create(
        external_id=f"C-{n}", name=f"{name} {n}", contract_start=contract_start
    )


def make_contact(client: Client, language="de") -> Contact:
    n = _next()
    return Contact.objects.create(
        client=client, name=f"Contact {n}", email=f"contact{n}@example.com", language=language
    )


def make_technician(name=None, user=None, language="de", hire_date=datetime.date(2024, 1, 1)):
    n = _next()
    return Technician.objects.create(
        external_id=f"T-x{n}",
        name=name or f"Technician {n}",
        email=f"tech{n}@example.com",
        hire_date=hire_date,
        language=language,
        user=user,
    )


def invite(camp: Campaign, recipient, status=InvitationStatus.SENT, sent_at=None) -> Invitation:
    field = "contact" if isinstance(recipient, Contact) else "technician"
    invitation = Invitation.objects.create(
        campaign=camp,
        email=recipient.email,
        language=recipient.language,
        status=status,
        sent_at=sent_at
        if sent_at is not None
        else (timezone.now() if status != "queued" else None),
        **{field: recipient},
    )
    refresh_figures(invitation)
    return invitation


def refresh_figures(invitation: Invitation) -> None:
    """The daily survey figures of the invitation's client, as the services keep them
    (these builders write rows directly)."""
    client_id = invitation.contact.client_id if invitation.contact_id else None
    rollups.refresh([invitation.campaign.survey.kind], [client_id])


def answer(
    invitation: Invitation, values: dict, submitted_on: datetime.date | None = None, texts=None
):
    """Store a response with {question key: value} (and {key: text})."""
    when = (
        day_start(submitted_on) + datetime.timedelta(hours=10) if submitted_on else timezone.now()
    )
    camp = invitation.campaign
    response = Response.objects.create(
        invitation=invitation,
        survey=camp.survey,
        campaign=camp,
        client=invitation.contact.client if invitation.contact_id else None,
        submitted_at=when,
        updated_at=when,
    )
    questions = {q.key: q for q in camp.survey.questions.all()}
    for key, value in values.items():
        Answer.objects.create(response=response, question=questions[key], value=value)
    for key, value in (texts or {}).items():
        Answer.objects.create(response=response, question=questions[key], text=value)
    Invitation.objects.filter(pk=invitation.pk).update(
        status=InvitationStatus.ANSWERED, answered_at=when
    )
    refresh_figures(invitation)
    return response


def publish_quarters(on: datetime.date) -> dict:
    """Decide the quarters of the anonymous surveys as the schedules would at the start
    of the day ``on``; returns {"published": n, "withheld": m}."""
    from surveys.publication import publish_due_quarters

    return publish_due_quarters(now=day_start(on))


def client_answer(camp, client, csat_value, nps_value, ces_value, on, language="de", comment=""):
    contact = make_contact(client, language)
    inv = invite(camp, contact, sent_at=day_start(on))
    return answer(
        inv,
        {"overall_satisfaction": csat_value, "recommend": nps_value, "support_effort": ces_value},
        submitted_on=on,
        texts={"comment": comment} if comment else None,
    )


__all__ = ["SurveyKind"]
