"""Walks every URL pattern of the project and checks who may open it."""

import pytest
from django.urls import reverse

from tests.access import LOGIN, rules, url_names
from tests.helpers import make_user

ALL_NAMES = url_names()
RULES = rules()


def test_every_url_pattern_has_an_access_rule():
    missing = [name for name in ALL_NAMES if name not in RULES]
    assert not missing, f"URL patterns without an access decision: {missing}"


@pytest.fixture
def cast(db, manager, technician_user, technician, staff_user, client_company):
    return {
        "manager": manager,
        "technician_user": technician_user,
        "technician": technician,
        "staff": staff_user,
        "client_company": client_company,
    }


@pytest.mark.parametrize("name", ALL_NAMES)
@pytest.mark.parametrize("role", ["anonymous", "technician", "manager", "staff"])
def test_each_role_gets_the_allowed_status(client, cast, name, role):
    rule = RULES.get(name)
    if rule is None:
        pytest.fail(f"{name} has no access rule")
    kwargs = rule.kwargs(cast) if rule.kwargs else {}
    url = reverse(name, kwargs=kwargs)
    user = {
        "technician": cast["technician_user"],
        "manager": cast["manager"],
        "staff": cast["staff"],
    }.get(role)
    if user:
        client.force_login(user)
    response = (
        getattr(client, rule.method)(url, rule.data) if rule.method == "post" else client.get(url)
    )
    expected = getattr(rule, role)
    status = response.status_code
    if expected == 200:
        assert 200 <= status < 300, f"{role} on {name}: {status}"
    else:
        assert status == expected, f"{role} on {name}: expected {expected}, got {status}"
    if expected == LOGIN and role == "anonymous":
        assert (
            response["Location"].startswith(reverse("login"))
            or rule.method == "post"
            or name == "set_language"
        )


@pytest.mark.parametrize(
    "role,expected", [("anonymous", 302), ("technician", 302), ("manager", 302), ("staff", 200)]
)
def test_only_staff_reach_the_back_office(client, db, role, expected):
    if role != "anonymous":
        user = make_user(
            f"admin-check-{role}",
            *(["manager"] if role == "manager" else ["technician"] if role == "technician" else []),
            is_staff=role == "staff",
            is_superuser=role == "staff",
        )
        client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == expected
