"""The client picker (core.name_picker, organisation.forms.client_picker) and its search
(insights.views.client_search): names resolved on the server, 20 matches at most."""

import datetime

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from organisation.forms import client_picker
from tests.kpis.conftest import make_client


class PickerForm(forms.Form):
    client = client_picker()


@pytest.fixture
def names(db):
    return {
        name: make_client(name, start=datetime.date(2025, 1, 1))
        for name in ("Acme", "Acme GmbH", "Acme Gruppe", "Beta AG")
    }


def _clean(data):
    form = PickerForm(data)
    valid = form.is_valid()
    return valid, form.cleaned_data.get("client"), form.errors.get("client")


def test_an_exact_name_in_any_case_wins_over_longer_names(names):
    assert _clean({"client": "", "client_name": "acme"}) == (True, names["Acme"], None)


def test_the_unique_start_of_a_name_chooses_it(names):
    assert _clean({"client": "", "client_name": "bet"}) == (True, names["Beta AG"], None)


def test_a_start_of_several_names_asks_for_more(names):
    with translation.override("en"):
        valid, _, errors = _clean({"client": "", "client_name": "Acme G"})
    assert not valid
    assert errors == ["Several clients’ names start with “Acme G”: choose one or type more of it."]


def test_an_unknown_name_says_so(names):
    valid, _, errors = _clean({"client_name": "Zeta"})
    assert not valid and "Zeta" in errors[0]
    assert PickerForm({"client_name": "Zeta"}).errors.as_data()["client"][0].code == "unknown"


def test_an_id_from_a_link_chooses_its_client(names):
    assert _clean({"client": str(names["Beta AG"].pk)}) == (True, names["Beta AG"], None)


def test_an_emptied_box_means_all_clients_whatever_id_was_left(names):
    assert _clean({"client": str(names["Beta AG"].pk), "client_name": ""}) == (True, None, None)


def test_a_name_typed_over_a_chosen_one_is_resolved_again(names):
    data = {"client": str(names["Beta AG"].pk), "client_name": "Acme GmbH"}
    assert _clean(data) == (True, names["Acme GmbH"], None)


def test_a_link_to_a_deleted_client_is_an_error_not_all_clients(names):
    pk = names["Beta AG"].pk
    names["Beta AG"].delete()
    valid, _, errors = _clean({"client": str(pk)})
    assert not valid and errors


def test_the_dashboard_shows_an_unknown_name_as_a_form_error(manager_client, names):
    manager_client.cookies["django_language"] = "en"
    response = manager_client.get(reverse("insights:dashboard"), {"client_name": "Zeta"})
    assert response.status_code == 200
    assert "No client is called “Zeta”." in response.content.decode()
    assert response.context["filters"].client is None


def test_a_typed_name_filters_the_dashboard_and_its_links(manager_client, names):
    response = manager_client.get(reverse("insights:dashboard"), {"client_name": "beta"})
    assert response.context["filters"].client == names["Beta AG"]
    assert f"client={names['Beta AG'].pk}" in response.context["query"]


def test_the_ratings_list_filters_by_a_typed_name(manager_client, names):
    response = manager_client.get(reverse("ratings:list"), {"client_name": "Acme GmbH"})
    assert response.status_code == 200
    assert response.context["form"].cleaned_data["client"] == names["Acme GmbH"]


# --- the search -------------------------------------------------------------------------


def test_the_search_lists_names_starting_with_the_term_first(manager_client, names):
    make_client("Zur Acme Werft", start=datetime.date(2025, 1, 1))
    response = manager_client.get(reverse("insights:client_search"), {"q": "acme"})
    assert [row["name"] for row in response.json()["results"]] == [
        "Acme",
        "Acme GmbH",
        "Acme Gruppe",
        "Zur Acme Werft",
    ]
    assert response.json()["results"][0]["id"] == names["Acme"].pk


def test_the_search_gives_twenty_at_most(manager_client, db):
    for index in range(25):
        make_client(f"Kunde {index:02}", start=datetime.date(2025, 1, 1))
    results = manager_client.get(reverse("insights:client_search"), {"q": "kunde"}).json()
    assert len(results["results"]) == 20


def test_an_empty_term_finds_nobody(manager_client, names):
    assert manager_client.get(reverse("insights:client_search")).json() == {"results": []}


def test_technicians_may_not_search(technician_client, names):
    response = technician_client.get(reverse("insights:client_search"), {"q": "a"})
    assert response.status_code == 403


@pytest.mark.parametrize("n_clients", [3, 60])
def test_the_search_keeps_its_queries(manager_client, django_assert_num_queries, n_clients):
    for index in range(n_clients):
        make_client(f"Kunde {index}", start=datetime.date(2025, 1, 1))
    # The session, the user, the user's groups and the search itself.
    with django_assert_num_queries(4):
        manager_client.get(reverse("insights:client_search"), {"q": "kunde"})
