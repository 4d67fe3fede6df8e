"""The access decision for every URL of the project.

Each app's test package has an ``access_matrix.py`` with ``ACCESS = {"ns:name": Rule(...)}``;
``tests/test_access_matrix.py`` walks every URL pattern and fails for a pattern without a
rule, so a new view cannot ship without a decision on who may see it.

Statuses: 200 (or any 2xx), 302 (redirect to the login page for anonymous users, or
another redirect), 403, 404, 405.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

LOGIN = 302


@dataclass(frozen=True)
class Rule:
    anonymous: int
    technician: int
    manager: int
    staff: int
    # Builds the URL's kwargs; gets a dict with the cast (manager, technician_user,
    # technician, client_company, ...) and may create objects. None: no kwargs.
    kwargs: Callable[[dict], dict] | None = None
    method: str = "get"
    # POST data, where method is "post".
    data: dict = field(default_factory=dict)


def public(**extra) -> Rule:
    return Rule(200, 200, 200, 200, **extra)


def signed_in(**extra) -> Rule:
    return Rule(LOGIN, 200, 200, 200, **extra)


def managers_only(**extra) -> Rule:
    """Managers and staff (superusers count as managers); technicians get 403."""
    return Rule(LOGIN, 403, 200, 200, **extra)
