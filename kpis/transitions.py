"""What other apps may hear of a ticket's life without kpis knowing them (the ticket
rating, ratings, sits on a higher floor and connects in its ``ready()``).

``tickets_resolved`` is sent by the ticket upsert (``kpis.upsert.TicketUpsert``: file
imports, ``manage.py import_csv``, the webhook, future connectors) inside the writing
transaction, with the ids of the stored tickets whose ``resolved_at`` went from empty to
set: a transition the product saw. A ticket first seen already resolved (a first import,
a backfill of history, a ticket created resolved) is no transition and is not in it. A
receiver that writes does so in the same transaction, so a file rejected later leaves
nothing behind.
"""

from django.dispatch import Signal

# Sent with ``ticket_ids`` (a sorted list of ints).
tickets_resolved = Signal()


def became_resolved(old: dict | None, new: dict) -> bool:
    """Whether a write takes a stored ticket from open to resolved: the stored
    ``resolved_at`` empty, the new one set. A new ticket (``old`` None) never does."""
    return old is not None and old["resolved_at"] is None and new["resolved_at"] is not None
