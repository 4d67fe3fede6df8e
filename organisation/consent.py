"""Consent: who may receive client e-mail. The one rule every e-mail to a client's
contact passes through (docs/consent.md).

Survey e-mails to clients count as advertising in German law (BGH, 10 July 2018,
VI ZR 225/17). Without consent they are allowed only to existing customers under §7(3)
UWG, and only while the person has not objected; every e-mail must say that they may
object at any time. So a contact receives no client e-mail when

- their client is marked "no surveys to its contacts" (``Client.surveys_opted_out``),
- the contact is marked "no surveys" (``Contact.surveys_opted_out``), or
- their address is on the suppression list (``SuppressedAddress``): they unsubscribed
  through the link or the one-click header of an e-mail, the address bounced for good, or
  staff added it.

``withheld_reasons`` decides it when invitations are stored and again when each e-mail is
claimed for sending (``ClientMail.withheld``), so an objection made after queuing holds.
``ClientMail`` is the base of every kind of client e-mail: it also puts the personal
unsubscribe link and the objection notice into the footer, sets the ``List-Unsubscribe``
headers, and puts a hard-bounced address on the suppression list.
"""

from __future__ import annotations

import datetime
from email.utils import parseaddr
from typing import Any, NamedTuple

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from core import delivery
from core.mail import unsubscribe_headers

from .models import Client, Contact, SuppressedAddress, normalise_address

# Why a contact gets no client e-mail: stored as the row's reason (English) and shown
# translated (``{% translate reason %}``): gettext_noop marks them for the catalogue.
CLIENT_OPTED_OUT = gettext_noop("Not sent: the client is marked “no surveys”.")
CONTACT_OPTED_OUT = gettext_noop("Not sent: the contact is marked “no surveys”.")
SUPPRESSED = {
    SuppressedAddress.Reason.UNSUBSCRIBED: gettext_noop(
        "Not sent: the recipient unsubscribed (suppression list)."
    ),
    SuppressedAddress.Reason.HARD_BOUNCE: gettext_noop(
        "Not sent: the address bounced for good (suppression list)."
    ),
    SuppressedAddress.Reason.STAFF: gettext_noop(
        "Not sent: the address was put on the suppression list."
    ),
}


def withheld_reasons(
    contacts, addresses: dict[int, str] | None = None, client: Client | None = None
) -> dict[int, str]:
    """{contact id: why no client e-mail may go to it} for the contacts among ``contacts``
    that must not be mailed; the others are left out. ``addresses``: {contact id: the
    address the e-mail would go to} where it is not the contact's own. Two queries,
    however many contacts: the opted-out clients among theirs, and the suppression list.
    The contacts' own flags are read as loaded. ``client``: the one client of all the
    contacts, just loaded by the caller (a client's page): its flag is read as loaded,
    one query fewer. Sending never passes it: it reads the flag at the moment it decides."""
    contacts = [contact for contact in contacts if contact is not None]
    if not contacts:
        return {}
    addresses = addresses or {}
    if client is not None:
        if any(contact.client_id != client.pk for contact in contacts):
            raise ValueError("every contact must belong to the client given")
        clients_out = {client.pk} if client.surveys_opted_out else set()
    else:
        clients_out = set(
            Client.objects.filter(
                pk__in={contact.client_id for contact in contacts}, surveys_opted_out=True
            ).values_list("pk", flat=True)
        )
    suppressed = SuppressedAddress.objects.of_addresses(
        addresses.get(contact.pk, contact.email) for contact in contacts
    )
    reasons = {}
    for contact in contacts:
        entry = suppressed.get(normalise_address(addresses.get(contact.pk, contact.email)))
        if contact.client_id in clients_out:
            reasons[contact.pk] = CLIENT_OPTED_OUT
        elif contact.surveys_opted_out:
            reasons[contact.pk] = CONTACT_OPTED_OUT
        elif entry is not None:
            reasons[contact.pk] = SUPPRESSED[entry.reason]
    return reasons


def suppress(address: str, reason: str, detail: str = "") -> SuppressedAddress | None:
    """Put ``address`` on the suppression list; an address already there keeps its first
    entry (unsubscribing twice changes nothing). Returns the entry, None for no address."""
    address = normalise_address(address)
    if not address:
        return None
    try:
        with transaction.atomic():
            entry, _created = SuppressedAddress.objects.get_or_create(
                email=address, defaults={"reason": reason, "detail": detail[:300]}
            )
    except IntegrityError:  # stored by someone else at the same moment
        entry = SuppressedAddress.objects.get(email=address)
    return entry


def set_opted_out(record: Client | Contact, opted_out: bool) -> None:
    """Mark a client ("no surveys to its contacts") or a contact ("no surveys"), or take
    the mark off. Staff do it in the product or the back office."""
    type(record).objects.filter(pk=record.pk).update(surveys_opted_out=opted_out)
    record.surveys_opted_out = opted_out


# --- The personal unsubscribe link ------------------------------------------------------
# Signed, not stored: it carries the address and the language of the page, and only the
# server can make one. It changes nothing by being opened (GET shows a page with one
# button); a valid one works for UNSUBSCRIBE_LINK_MAX_AGE, long after any survey closed.

UNSUBSCRIBE_SALT = "organisation.unsubscribe"
UNSUBSCRIBE_LINK_MAX_AGE = datetime.timedelta(days=2 * 365)


class Unsubscribe(NamedTuple):
    email: str
    language: str


class InvalidUnsubscribeLink(Exception):
    """Tampered, unknown or expired; ``expired`` says which."""

    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def unsubscribe_token(email: str, language: str) -> str:
    return signing.dumps(
        {"e": normalise_address(email), "l": language}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def read_unsubscribe_token(token: str) -> Unsubscribe:
    """The address and language of a link; raises InvalidUnsubscribeLink."""
    if not token or len(token) > 500:
        raise InvalidUnsubscribeLink
    try:
        data = signing.loads(
            token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_LINK_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired:
        raise InvalidUnsubscribeLink(expired=True) from None
    except signing.BadSignature:
        raise InvalidUnsubscribeLink from None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str) or not data["e"]:
        raise InvalidUnsubscribeLink
    language = data.get("l") if data.get("l") in dict(settings.LANGUAGES) else "de"
    return Unsubscribe(data["e"], language)


def unsubscribe_url(email: str, language: str) -> str:
    path = reverse("organisation:unsubscribe", kwargs={"token": unsubscribe_token(email, language)})
    return f"{settings.SITE_URL}{path}"


def sender_name() -> str:
    """Whom the recipient is a customer of, for the objection notice: the display name of
    the sender address, else the site's host."""
    name, _address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return name or settings.SITE_URL.split("://")[-1].split("/")[0]


class ClientFooter(NamedTuple):
    """What every client e-mail carries: the objection notice with the personal
    unsubscribe link (templates/email/_client_footer.*) and the matching headers."""

    unsubscribe_url: str
    sender: str

    @property
    def headers(self) -> dict[str, str]:
        return unsubscribe_headers(self.unsubscribe_url)


def client_footer(email: str, language: str) -> ClientFooter:
    return ClientFooter(unsubscribe_url(email, language), sender_name())


class ClientMail(delivery.Kind):
    """The base of every kind of e-mail that may go to a client's contact (survey
    invitations and reminders today). ``contact(row)`` names the contact, or None for a
    row to someone else (a technician): the consent rule applies to contacts only.

    A subclass builds its message in ``client_message`` with the ``ClientFooter`` it is
    given (None for a row to someone else), passing ``footer.headers`` to
    ``core.mail.compose`` and including the footer partial; a message to a contact
    without the unsubscribe header is refused (the row fails) rather than sent."""

    def contact(self, row) -> Contact | None:
        raise NotImplementedError

    def withheld(self, batch, rows: list) -> dict[int, str]:
        contacts = {row.pk: self.contact(row) for row in rows}
        reasons = withheld_reasons(
            contacts.values(),
            {contact.pk: row.email for row in rows if (contact := contacts[row.pk])},
        )
        return {
            row.pk: reasons[contact.pk]
            for row in rows
            if (contact := contacts[row.pk]) is not None and contact.pk in reasons
        }

    def message(self, batch, row, prepared):
        footer = None
        if self.contact(row) is not None:
            footer = client_footer(row.email, self.language(batch, row))
        message = self.client_message(batch, row, prepared, footer)
        if footer is not None and "List-Unsubscribe" not in message.extra_headers:
            raise ValueError("A client e-mail must carry its unsubscribe link.")
        return message

    def client_message(self, batch, row, prepared, footer: ClientFooter | None):
        raise NotImplementedError

    def bounced(self, rows: list[tuple[Any, str]]) -> None:
        """A contact's address refused for good goes on the suppression list."""
        for row, reason in rows:
            if self.contact(row) is not None:
                suppress(row.email, SuppressedAddress.Reason.HARD_BOUNCE, reason)
