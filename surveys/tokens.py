"""Personal survey links.

The URL carries ``<raw token>.<timestamp>.<signature>``: a random 256-bit token, signed
so that a tampered link is rejected before the database is asked. The database keeps only
the SHA-256 hash of the raw token, so a leaked database holds no working links.

A link works as long as its campaign is open (a campaign may stay open up to a year);
the view answers a closed campaign's link with the "closed" page. The signature's
timestamp sets no expiry: a fixed age (formerly 120 days) ended links of campaigns that
were still open.
"""

from typing import NamedTuple

from django.core import signing

from core.tokens import hash_token, new_token

from .models import Invitation, InvitationToken

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


def invitation_for_token(token: str, queryset=None):
    """The invitation a signed token belongs to; raises InvalidToken."""
    raw = unsign(token)
    queryset = queryset if queryset is not None else Invitation.objects.all()
    # Only the campaign and its survey: every further join costs planning time on each
    # answer POST (a six-table join took 2 ms to plan, longer than to run). Unordered: a
    # hash names one invitation at most, and first()'s ORDER BY (the model's campaign, id)
    # cost a third more time to compile on every POST.
    found = (
        queryset.select_related("campaign__survey")
        .filter(tokens__token_hash=hash_token(raw))
        .order_by()[:1]
    )
    if not found:
        raise InvalidToken
    return found[0]
