"""A ticket's requester: the client's contact who asked, named by a ticket row through
``requester_external_id``, ``requester_email`` and (for creating) ``requester_name``.

The rule, shared by the CSV import and the webhook (both write through kpis.upsert):
the contact with that external id in the ticket's data source (or the CSV source,
``organisation.models.ids_by_external_id``); else the contact of the ticket's client
with that e-mail (without case); else, when the data source creates contacts, a new
contact of the client and the source with the name (or, without one, the e-mail), the
e-mail and the external id; otherwise the row is refused. In a file read through a
column mapping that creates contacts but has no ``requester_email`` column at all
(ConnectWise's ticket report has no contact e-mail), a row naming an unknown contact by
external id keeps the ticket's stored requester (none for a new ticket) and the import
counts it: a contact import with those ids links them later. Both cells empty: no
requester. A row naming neither column keeps the stored requester.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from organisation.models import Contact, ids_by_external_id

from .ticket_fields import KEEP, Keep, RowError

# Read from a row to find the requester; never stored on the ticket.
COLUMNS = frozenset({"requester_external_id", "requester_email", "requester_name"})


@dataclass(frozen=True)
class NewContact:
    """Stands for a contact to be created (by ``Requesters.create``) in a ticket's
    values; never equal to a stored contact's id."""

    client_id: int
    address: str


class Requesters:
    """The contacts the rows of one batch name, read at once, and those to create."""

    def __init__(
        self, data_source_id: int, rows: list[dict], creates: bool, keep_unknown: bool = False
    ):
        self.data_source_id = data_source_id
        self.creates = creates  # the data source's (or the mapping's) creates_contacts
        self.keep_unknown = keep_unknown  # a mapped file (see the module docstring)
        keys = {row.get("requester_external_id") for row in rows} - {None, ""}
        addresses = {(row.get("requester_email") or "").lower() for row in rows} - {""}
        self.by_external_id = (
            ids_by_external_id(Contact.objects, data_source_id, keys) if keys else {}
        )
        self.by_email = Contact.objects.ids_by_address(addresses) if addresses else {}
        # {NewContact: field values} to be created before the tickets are written.
        self.new: dict[NewContact, dict] = {}

    def match(self, values: dict, client_id: int) -> int | NewContact | Keep | None:
        """The requester of a ticket row of ``client_id`` (see the module docstring), or
        KEEP for the stored one; raises RowError when it is unknown and may not or
        cannot be created."""
        key = values.get("requester_external_id") or ""
        address = values.get("requester_email") or ""
        if not key and not address:
            return None
        if key and key in self.by_external_id:
            return self.by_external_id[key]
        found = self.by_email.get((client_id, address.lower())) if address else None
        if found is not None:
            return found
        if self.keep_unknown and self.creates and "requester_email" not in values:
            return KEEP  # no e-mail to create it from: counted by the caller
        column = "requester_external_id" if key else "requester_email"
        if not self.creates:
            raise RowError(
                column,
                _(
                    "no contact with external id %(id)r or e-mail %(email)r; this data source "
                    "does not create contacts"
                )
                % {"id": key, "email": address},
            )
        if not address:
            raise RowError(
                "requester_email",
                _("is needed to create the unknown requester %(id)r") % {"id": key},
            )
        new = NewContact(client_id, address.lower())
        self.new.setdefault(
            new,
            {
                "client_id": client_id,
                "data_source_id": self.data_source_id,
                "external_id": key,
                "name": values.get("requester_name") or address,
                "email": address,
            },
        )
        if key:  # a later row of the batch may name the new contact by its id alone
            self.by_external_id.setdefault(key, new)
        return new

    def create(self) -> dict[NewContact, int]:
        """Create the new contacts; {NewContact: its id}."""
        if not self.new:
            return {}
        created = Contact.objects.bulk_create([Contact(**values) for values in self.new.values()])
        return {new: contact.pk for new, contact in zip(self.new, created, strict=True)}
