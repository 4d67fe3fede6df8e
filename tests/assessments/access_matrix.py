"""Who may open which self-assessment page (walked by tests/test_access_matrix.py)."""

from tests.access import LOGIN, Rule, managers_only, public, signed_in


def _stored_result(cast):
    """A technician's stored result: the owner and managers see it, nobody else."""
    from tests.assessments.factories import WORKED_EXAMPLE, store

    return {"public_id": store(cast["technician_user"], WORKED_EXAMPLE).public_id}


def _round(cast):
    """A round opened by the manager with the technician invited (staff and the manager
    are not members)."""
    from assessments.services import open_round

    team_round = open_round(
        name="Matrix", opened_by=cast["manager"], members=[cast["technician_user"]]
    )
    return {"pk": team_round.pk}


ACCESS = {
    # The questionnaire is public: visitors take it without an account.
    "assessments:start": public(),
    "assessments:result": Rule(LOGIN, 200, 200, 200, kwargs=_stored_result),
    # A visitor's result exists only in the session that created it; any other token is
    # unknown to everyone.
    "assessments:visitor_result": Rule(404, 404, 404, 404, kwargs=lambda cast: {"token": "x"}),
    "assessments:history": signed_in(),
    "assessments:member_history": managers_only(
        kwargs=lambda cast: {"user_id": cast["technician_user"].pk}
    ),
    "assessments:round_list": signed_in(),
    "assessments:round_create": managers_only(),
    # Members and managers; anyone else gets 404.
    "assessments:round_detail": Rule(LOGIN, 200, 200, 200, kwargs=_round),
    # Only members answer.
    "assessments:round_answer": Rule(LOGIN, 200, 404, 404, kwargs=_round),
    "assessments:round_resend": Rule(LOGIN, 403, 302, 302, kwargs=_round, method="post"),
    "assessments:round_close": Rule(LOGIN, 403, 302, 302, kwargs=_round, method="post"),
}
