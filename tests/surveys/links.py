import re

from django.core import mail

from surveys.tokens import issue_tokens

LINK = re.compile(r"https://surveys\.example(/surveys/r/[^/\s\"]+/)(\?face=\d)?")


def links_in(message) -> list[str]:
    """Paths (with query) of the survey links in a message's plain text part."""
    return [path + (query or "") for path, query in LINK.findall(message.body)]


def message_to(email: str):
    return next(m for m in mail.outbox if m.to == [email])


def token_path_for(email: str) -> str:
    return links_in(message_to(email))[0].split("?")[0]


def link_token(invitation) -> str:
    """A fresh signed token for ``invitation``'s link, stored as sending stores one."""
    return issue_tokens([invitation])[invitation.pk].url_token
