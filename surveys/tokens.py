"""Personal survey links.

The URL carries ``<raw token>.<timestamp>.<signature>``: a random 256-bit token, signed
so that a tampered link is rejected before the database is asked. The database keeps only
the SHA-256 hash of the raw token, so a leaked database holds no working links.

A link works as long as its campaign is open (a campaign may stay open up to a year);
the view answers a closed campaign's link with the "closed" page. The signature's
timestamp sets no expiry: a fixed age (formerly 120 days) ended links of campaigns that
were still open.
"""

import functools
from typing import NamedTuple

from django.core import signing
from django.db import connection

from core.raw_rows import Columns, column, instance, table
from core.tokens import hash_token, new_token
from organisation.models import Contact

from .models import Campaign, Invitation, InvitationToken, Survey

SALT = "surveys.invitation-link"


class InvalidToken(Exception):
    """Unknown or tampered; the view answers with a friendly 404 page."""

    def __init__(self, reason: str = "invalid"):
        super().__init__(reason)
        self.reason = reason


def _signer() -> signing.TimestampSigner:
    # "." keeps the link free of colons; it is not in the URL-safe base64 alphabet. (A
    # timestamp signer, as links sent by earlier versions carry a timestamp.)
    return signing.TimestampSigner(salt=SALT, sep=".")


class IssuedToken(NamedTuple):
    url_token: str  # signed, goes into the link
    hash: str  # stored


def issue_tokens(invitations) -> dict[int, IssuedToken]:
    """A fresh token for each invitation, stored with one INSERT; {invitation id:
    IssuedToken}."""
    signer = _signer()
    issued, rows = {}, []
    for invitation in invitations:
        raw = new_token()
        issued[invitation.pk] = IssuedToken(signer.sign(raw), hash_token(raw))
        rows.append(InvitationToken(invitation=invitation, token_hash=issued[invitation.pk].hash))
    InvitationToken.objects.bulk_create(rows)
    return issued


def unsign(token: str) -> str:
    """The raw token inside a signed URL token; raises InvalidToken."""
    if not token or len(token) > 200:
        raise InvalidToken
    try:
        return _signer().unsign(token)  # no max_age: the campaign decides how long
    except signing.BadSignature:
        raise InvalidToken from None


@functools.cache
def _lookup() -> tuple[str, Columns]:
    """The token lookup's statement and its columns: the invitation, its campaign and its
    survey, all their fields (the answer page, the one click and the template use them),
    then the contact's id and client (what storing a first answer predicts with,
    surveys.services.save_response)."""
    invitation = Columns.of("i", Invitation)
    campaign = Columns.of("c", Campaign)
    survey = Columns.of("s", Survey)
    contact = Columns.of("ct", Contact, CONTACT_FIELDS)

    # Only the campaign, its survey and the contact's key: every further join costs
    # planning time on each answer POST (a six-table join took 2 ms to plan, longer than
    # to run). Unordered: a hash names one invitation at most.
    sql = (
        f"SELECT {(invitation + campaign + survey + contact).sql} "  # noqa: S608 - names only
        f"FROM {table(InvitationToken)} t "
        f"JOIN {table(Invitation)} i ON i.{column(Invitation, 'id')} = "
        f"t.{column(InvitationToken, 'invitation')} "
        f"JOIN {table(Campaign)} c ON c.{column(Campaign, 'id')} = "
        f"i.{column(Invitation, 'campaign')} "
        f"JOIN {table(Survey)} s ON s.{column(Survey, 'id')} = c.{column(Campaign, 'survey')} "
        f"LEFT JOIN {table(Contact)} ct ON ct.{column(Contact, 'id')} = "
        f"i.{column(Invitation, 'contact')} "
        f"WHERE t.{column(InvitationToken, 'token_hash')} = %s"
    )
    return sql, invitation + campaign + survey + contact


# Of the contact, only its key and its client are read; its other fields load when used.
CONTACT_FIELDS = ("id", "client")


def invitation_for_token(token: str) -> Invitation:
    """The invitation a signed token belongs to, with its campaign and survey loaded;
    raises InvalidToken. One hand-written statement: the ORM took longer to build this
    query than the database to answer it (core.raw_rows)."""
    raw = unsign(token)
    sql, columns = _lookup()
    with connection.cursor() as cursor:
        cursor.execute(sql, [hash_token(raw)])
        row = cursor.fetchone()
    if row is None:
        raise InvalidToken
    values = columns.convert(row)
    first = len(Invitation._meta.concrete_fields)
    second = first + len(Campaign._meta.concrete_fields)
    third = second + len(Survey._meta.concrete_fields)
    invitation = instance(Invitation, values[:first])
    campaign = instance(Campaign, values[first:second])
    campaign.survey = instance(Survey, values[second:third])
    invitation.campaign = campaign
    if invitation.contact_id is not None:
        invitation.contact = instance(Contact, values[third:], ["id", "client_id"])
    return invitation
