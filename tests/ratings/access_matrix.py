"""Who may open the ticket ratings: managers (and staff) only; a technician their own
ratings page."""

from tests.access import LOGIN, Rule, managers_only


def _case(cast):
    import datetime

    from django.utils import timezone

    from kpis.models import Ticket
    from organisation.models import Contact
    from ratings.models import FeedbackCase, TicketRating

    client = cast["client_company"]
    contact = Contact.objects.filter(client=client).first()
    now = timezone.now()
    ticket = Ticket.objects.create(
        external_id="T-CASE",
        title="Printer",
        client=client,
        requester=contact,
        priority="high",
        opened_at=now - datetime.timedelta(days=1),
        resolved_at=now,
        source="client",
    )
    rating = TicketRating.objects.create(
        ticket=ticket,
        contact=contact,
        client=client,
        priority="high",
        source="client",
        resolved_at=now,
        send_after=now,
        status=TicketRating.Status.INVITED,
    )
    case = FeedbackCase.objects.create(
        rating=rating, client=client, opening_face=1, face=1, opened_at=now
    )
    return {"pk": case.pk}


ACCESS = {
    "ratings:list": managers_only(),
    "ratings:export": managers_only(),
    "ratings:figures": managers_only(),
    "ratings:figures_export": managers_only(),
    "ratings:case_list": managers_only(),
    "ratings:case_export": managers_only(),
    "ratings:case_detail": managers_only(kwargs=_case),
    "ratings:mine": Rule(LOGIN, 200, 403, 403),
}
