"""The access decision for every URL of the project.

Each app's test package has an ``access_matrix.py`` with ``ACCESS = {"ns:name": Rule(...)}``;
``tests/test_access_matrix.py`` walks every URL pattern and fails for a pattern without a
rule, so a new view cannot ship without a decision on who may see it.

Statuses: 200 (or any 2xx), 302 (redirect to the login page for anonymous users, or
another redirect), 403, 404, 405.
"""

import importlib
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


MATRIX_MODULES = [
    "tests.foundation_access",
    "tests.accounts.access_matrix",
    "tests.organisation.access_matrix",
    "tests.assessments.access_matrix",
    "tests.surveys.access_matrix",
    "tests.kpis.access_matrix",
    "tests.organisation.access_matrix",
    "tests.ratings.access_matrix",
    "tests.integrations.access_matrix",
]


def rules() -> dict[str, Rule]:
    """Every app's access rules by URL name ("ns:name")."""
    found = {}
    for module_name in MATRIX_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        found.update(module.ACCESS)
    return found


def _walk(resolver, namespace=""):
    from django.urls import URLPattern, URLResolver

    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin guards itself (tests/test_access_matrix.py).
            child_ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, child_ns)
        elif isinstance(entry, URLPattern):
            if entry.name is None:
                raise AssertionError(f"URL pattern {entry.pattern} has no name, so no access rule")
            yield f"{namespace}{entry.name}"


def url_names() -> list[str]:
    """The name of every URL pattern of the project outside Django's admin, sorted."""
    from django.urls import get_resolver

    return sorted(set(_walk(get_resolver())))
