"""Who may open the ticket ratings: managers (and staff) only."""

from tests.access import managers_only

ACCESS = {
    "ratings:list": managers_only(),
    "ratings:export": managers_only(),
}
