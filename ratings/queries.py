"""Ticket ratings with their answers, read from the survey answers of their invitation."""

from django.db.models import OuterRef, Subquery

from surveys.models import Answer

from .models import FeedbackCase, TicketRating


def _answer(key: str, column: str, invitation: str = "invitation"):
    return Subquery(
        Answer.objects.filter(response__invitation=OuterRef(invitation), question__key=key).values(
            column
        )[:1]
    )


def with_answers(ratings=None):
    """Ratings annotated with ``face`` (1..5 or None), ``comment`` and ``may_contact``
    (1 yes, 0 no, None not asked)."""
    ratings = ratings if ratings is not None else TicketRating.objects.all()
    return ratings.annotate(
        face=_answer("rating", "value"),
        comment=_answer("comment", "text"),
        may_contact=_answer("may_contact", "value"),
    )


def cases_with_answers(cases=None):
    """Feedback cases annotated with their rating's current ``comment`` and
    ``may_contact`` (1 yes, 0 no, None not asked); the face is the case's own."""
    cases = cases if cases is not None else FeedbackCase.objects.all()
    return cases.annotate(
        comment=_answer("comment", "text", "rating__invitation"),
        may_contact=_answer("may_contact", "value", "rating__invitation"),
    )
