"""The manager's column-mapping pages (ready-made, new, edit, delete) and an upload read
through a mapping: its preview, what the preview costs in queries, and the import it
leads to (or the discard). Pages are German by default; new strings are not translated
yet, so German pages are checked by their test ids and one page in English."""

import datetime
import re
from pathlib import Path

import pytest
from django.contrib import messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis import import_jobs
from kpis.mapping_presets import CONNECTWISE, HALOPSA, PRESETS, create_mapping
from kpis.models import ColumnMapping, ImportChunk, ImportJob, Ticket
from organisation.models import CSV_SOURCE_ID, Client, Contact, DataSource, Technician
from tests.helpers import with_form_token

from .conftest import confirm_upload, upload

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
CW_HEADER = (EXAMPLES / "connectwise-report-writer-tickets.csv").read_text().splitlines()[0]
NOW = datetime.datetime(2026, 10, 20, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _october_2026(time_machine):
    # The example files' tickets are from early October 2026.
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def organisation(db):
    """The example files' clients and technicians, in the CSV source."""
    for external_id in ("19433", "19501", "19588"):
        Client.objects.create(
            external_id=external_id,
            name=f"Client {external_id}",
            contract_start=datetime.date(2024, 1, 1),
        )
    for external_id, name in (
        ("jweber", "Jonas Weber"),
        ("lfischer", "Lea Fischer"),
        ("mdemir", "Mehmet Demir"),
    ):
        Technician.objects.create(
            external_id=external_id,
            name=name,
            email=f"{external_id}@nordlicht-it.example",
            hire_date=datetime.date(2022, 1, 1),
        )


@pytest.fixture
def connectwise(db) -> ColumnMapping:
    return create_mapping(CONNECTWISE)


def _example(name="connectwise-report-writer-tickets.csv") -> str:
    return (EXAMPLES / name).read_text()


def _cw_rows(count: int, first_date="10/5/2026 6:12 AM") -> str:
    """A ConnectWise Service report of ``count`` tickets over the three clients, the
    three technicians and two known contacts (whose ids the file names)."""
    clients = ("19433", "19501", "19588")
    members = ("jweber", "lfischer", "mdemir")
    lines = [CW_HEADER]
    for i in range(count):
        date = first_date if i == 0 else f"10/{1 + i % 9}/2026 {1 + i % 12}:0{i % 6} PM"
        lines.append(
            f"{50000 + i},Ticket {i},{clients[i % 3]},Company,{52310 + i % 2},Contact {i},"
            f"Service Desk,Closed,Priority {1 + i % 4} - x,Email,Incident,{members[i % 3]},"
            f"{date},,,,"
        )
    return "\n".join(lines) + "\n"


def _upload(client, data: str, mapping: ColumnMapping | None, kind="tickets", **fields):
    """Upload without confirming; the response (a redirect to the job, or the form)."""
    if mapping is not None:
        fields["mapping"] = mapping.pk
    return upload(client, kind, data, follow=False, confirm=False, **fields)


def _preview_rows(body: str) -> int:
    table = re.search(r'data-testid="import-preview">(.*?)</table>', body, re.DOTALL)
    assert table, "no preview table"
    return table.group(1).count('<th scope="row">')


def _form_data(form) -> dict:
    """A bound form's fields as the browser posts them, as rendered."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, bool) or field.widget.input_type == "checkbox":
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    return data


# --- The list and the ready-made mappings --------------------------------------------


def test_the_mappings_page_lists_the_ready_made_mappings(manager_client):
    response = manager_client.get(reverse("kpis:mappings"))
    assert response.status_code == 200
    body = response.content.decode()
    for key in ("connectwise", "autotask", "halopsa"):
        assert f'data-testid="preset-{key}"' in body
        assert reverse("kpis:mapping_from_preset", args=[key]) in body
    assert 'data-testid="mappings"' not in body  # none of the manager's own yet


def test_the_mappings_page_speaks_english_with_the_language_cookie(
    manager_client, connectwise, settings
):
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = manager_client.get(reverse("kpis:mappings")).content.decode()
    assert "Use this mapping" in body and "Start from a ready-made mapping" in body
    assert "Data source “ConnectWise Manage”" in body
    upload_link = f"{reverse('kpis:import')}?kind=tickets&amp;mapping={connectwise.pk}"
    assert upload_link in body and 'data-testid="mappings"' in body


def test_use_this_mapping_creates_a_file_source_and_the_presets_mapping(manager_client):
    response = manager_client.post(reverse("kpis:mapping_from_preset", args=["connectwise"]))
    mapping = ColumnMapping.objects.get()
    assert response.status_code == 302 and response["Location"] == mapping.get_absolute_url()
    source = mapping.data_source
    assert (source.name, source.kind) == ("ConnectWise Manage", DataSource.Kind.FILE)
    assert (mapping.name, mapping.kind, mapping.preset) == (
        "ConnectWise Manage – Report Writer (Service)",
        "tickets",
        "connectwise",
    )
    assert (mapping.date_order, mapping.decimal_separator, mapping.time_zone) == ("mdy", ".", "UTC")
    assert mapping.rules == CONNECTWISE.rules
    assert mapping.unknown_technicians_unassigned is True


def test_using_a_ready_made_mapping_again_reuses_its_source_and_numbers_the_name(manager_client):
    url = reverse("kpis:mapping_from_preset", args=["halopsa"])
    manager_client.post(url)
    manager_client.post(url)
    manager_client.post(url)
    assert DataSource.objects.filter(kind="file").count() == 1
    assert sorted(ColumnMapping.objects.values_list("name", flat=True)) == [
        "HaloPSA – ticket report",
        "HaloPSA – ticket report (2)",
        "HaloPSA – ticket report (3)",
    ]
    assert {m.data_source.name for m in ColumnMapping.objects.all()} == {HALOPSA.source_name}


def test_an_unknown_ready_made_mapping_is_an_error_message_not_a_500(manager_client):
    response = manager_client.post(
        reverse("kpis:mapping_from_preset", args=["freshservice"]), follow=True
    )
    assert response.redirect_chain == [(reverse("kpis:mappings"), 302)]
    assert [m.level for m in response.context["messages"]] == [messages.ERROR]
    assert not ColumnMapping.objects.exists()
    assert not DataSource.objects.filter(kind="file").exists()


def test_a_ready_made_mapping_is_created_by_post_only(manager_client):
    response = manager_client.get(reverse("kpis:mapping_from_preset", args=["connectwise"]))
    assert response.status_code == 405 and not ColumnMapping.objects.exists()


# --- A new mapping -------------------------------------------------------------------


def _new(client, **data):
    return client.post(reverse("kpis:mapping_new"), with_form_token(data))


def test_a_new_mapping_in_a_new_data_source(manager_client):
    response = _new(manager_client, new_source="  NinjaOne  ", name="Tickets", kind="tickets")
    mapping = ColumnMapping.objects.get()
    assert response.status_code == 302 and response["Location"] == mapping.get_absolute_url()
    assert (mapping.data_source.name, mapping.data_source.kind) == ("NinjaOne", "file")
    assert (mapping.name, mapping.kind, mapping.rules, mapping.preset) == (
        "Tickets",
        "tickets",
        {},
        "",
    )


def test_a_new_mapping_in_an_existing_file_source(manager_client, connectwise):
    response = _new(
        manager_client, data_source=connectwise.data_source_id, name="Companies", kind="clients"
    )
    assert response.status_code == 302
    assert DataSource.objects.filter(kind="file").count() == 1
    new = ColumnMapping.objects.get(name="Companies")
    assert (new.data_source_id, new.kind) == (connectwise.data_source_id, "clients")


def test_a_new_mapping_needs_a_data_source(manager_client):
    response = _new(manager_client, name="Tickets", kind="tickets")
    assert response.status_code == 200
    assert "new_source" in response.context["form"].errors
    assert (
        not ColumnMapping.objects.exists() and not DataSource.objects.filter(kind="file").exists()
    )


def test_a_new_mapping_cannot_go_into_the_csv_source(manager_client):
    response = _new(manager_client, data_source=CSV_SOURCE_ID, name="Tickets", kind="tickets")
    assert response.status_code == 200
    assert "data_source" in response.context["form"].errors
    assert not ColumnMapping.objects.exists()


def test_a_new_mapping_with_a_name_taken_in_its_source_is_a_form_error(manager_client, connectwise):
    response = _new(
        manager_client,
        data_source=connectwise.data_source_id,
        name=connectwise.name,
        kind="tickets",
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert ColumnMapping.objects.count() == 1
    # The same name in another source is fine.
    assert (
        _new(manager_client, new_source="Other", name=connectwise.name, kind="tickets").status_code
        == 302
    )


# --- Editing -------------------------------------------------------------------------


def _edit_form(client, mapping):
    response = client.get(reverse("kpis:mapping_edit", args=[mapping.pk]))
    assert response.status_code == 200
    return response


def test_the_edit_page_has_a_fieldset_per_column_of_the_kind(manager_client, connectwise):
    from kpis.columns import COLUMNS

    assert manager_client.get(reverse("kpis:mapping_new")).status_code == 200
    for kind in ("tickets", "clients", "contacts", "technicians"):
        mapping = ColumnMapping.objects.get_or_create(
            data_source=connectwise.data_source, kind=kind, defaults={"name": kind}
        )[0]
        body = _edit_form(manager_client, mapping).content.decode()
        found = re.findall(r'data-testid="mapping-column-([a-z_]+)"', body)
        assert found == [column.name for column in COLUMNS[kind]], kind
        # The requester and technician settings are for tickets only.
        assert ('name="creates_contacts"' in body) is (kind == "tickets"), kind
    body = _edit_form(manager_client, connectwise).content.decode()
    # One field per choice for a choice column, one for yes/no, a separator for a list.
    for name in ("val__priority__critical", "val__source__self_service", "other__source"):
        assert f'name="{name}"' in body
    assert 'name="val__escalated__true"' in body and 'name="split__technician"' in body
    assert 'name="val__escalated__false"' not in body


def test_the_edit_page_shows_the_rules_as_lists(manager_client, connectwise):
    form = _edit_form(manager_client, connectwise).context["form"]
    assert form["col__resolved_at"].value() == "Date_Resolved_UTC | Date_Closed_UTC"
    assert form["val__priority__low"].value() == "Priority 4* | Priority 5* | Do Not Respond"
    assert form["val__escalated__true"].value() == "Tier 2* | Tier 3* | *Escalation*"
    assert form["other__source"].value() == "client"
    assert form["split__technician"].value() == ","


def test_saving_the_edit_page_unchanged_keeps_the_rules(manager_client, connectwise):
    for preset in PRESETS.values():
        mapping = create_mapping(preset)
        data = _form_data(_edit_form(manager_client, mapping).context["form"])
        response = manager_client.post(reverse("kpis:mapping_edit", args=[mapping.pk]), data)
        assert response.status_code == 302, response.context["form"].errors
        mapping.refresh_from_db()
        assert mapping.rules == preset.rules, preset.key
        assert (mapping.date_order, mapping.time_zone) == (preset.date_order, preset.time_zone)


def test_the_edit_page_saves_columns_values_other_and_split(manager_client, connectwise):
    data = _form_data(_edit_form(manager_client, connectwise).context["form"])
    data.update(
        {
            "name": "CW edited",
            "date_order": "dmy",
            "decimal_separator": ",",
            "time_zone": "Europe/Vienna",
            "col__external_id": " Ticket # |  TicketNbr ",
            "col__priority": "Prio",
            "val__priority__critical": "P1 | Emergency*",
            "val__priority__high": "",
            "val__priority__medium": "",
            "val__priority__low": "P4|P5",
            "other__priority": "medium",
            "col__technician": "resource_list",
            "split__technician": ";",
            "col__escalated": "Board",
            "val__escalated__true": "Tier 2*",
            "col__auto_remediated": "",  # left out
            "val__auto_remediated__true": "",
        }
    )
    data.pop("unknown_technicians_unassigned", None)  # unticked
    response = manager_client.post(reverse("kpis:mapping_edit", args=[connectwise.pk]), data)
    assert response.status_code == 302 and response["Location"] == reverse("kpis:mappings")
    connectwise.refresh_from_db()
    assert (connectwise.name, connectwise.date_order, connectwise.decimal_separator) == (
        "CW edited",
        "dmy",
        ",",
    )
    assert connectwise.time_zone == "Europe/Vienna"
    assert connectwise.unknown_technicians_unassigned is False
    rules = connectwise.rules
    assert rules["external_id"] == {"columns": ["Ticket #", "TicketNbr"]}
    assert rules["priority"] == {
        "columns": ["Prio"],
        "values": {"critical": ["P1", "Emergency*"], "low": ["P4", "P5"]},
        "other": "medium",
    }
    assert rules["technician"] == {"columns": ["resource_list"], "split": ";"}
    assert rules["escalated"] == {"columns": ["Board"], "values": {"true": ["Tier 2*"]}}
    assert "auto_remediated" not in rules
    # Shown again as saved.
    form = _edit_form(manager_client, connectwise).context["form"]
    assert form["col__external_id"].value() == "Ticket # | TicketNbr"
    assert form["val__priority__low"].value() == "P4 | P5"
    assert (form["other__priority"].value(), form["split__technician"].value()) == ("medium", ";")


def test_a_required_column_left_empty_is_an_error(manager_client, connectwise):
    data = _form_data(_edit_form(manager_client, connectwise).context["form"])
    data["col__opened_at"] = " | "
    response = manager_client.post(reverse("kpis:mapping_edit", args=[connectwise.pk]), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["col__opened_at"]
    connectwise.refresh_from_db()
    assert connectwise.rules == CONNECTWISE.rules


def test_values_without_a_column_are_an_error(manager_client, connectwise):
    data = _form_data(_edit_form(manager_client, connectwise).context["form"])
    data["col__proactive"] = ""  # its values stay
    data["col__source"] = ""
    data["val__source__monitoring"] = data["val__source__automation"] = ""
    data["val__source__self_service"] = ""  # only "other" left
    response = manager_client.post(reverse("kpis:mapping_edit", args=[connectwise.pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "col__proactive" in errors and "col__source" in errors
    connectwise.refresh_from_db()
    assert connectwise.rules == CONNECTWISE.rules


def test_renaming_to_a_name_taken_in_the_source_is_a_form_error(manager_client, connectwise):
    second = create_mapping(CONNECTWISE)
    data = _form_data(_edit_form(manager_client, second).context["form"])
    data["name"] = connectwise.name
    response = manager_client.post(reverse("kpis:mapping_edit", args=[second.pk]), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["name"]
    second.refresh_from_db()
    assert second.name == "ConnectWise Manage – Report Writer (Service) (2)"


def test_the_edit_page_of_a_missing_mapping_is_404(manager_client):
    assert manager_client.get(reverse("kpis:mapping_edit", args=[999])).status_code == 404


# --- Deleting ------------------------------------------------------------------------


def test_deleting_a_mapping_keeps_the_tickets_it_imported(
    manager_client, organisation, connectwise
):
    response = _upload(manager_client, _example(), connectwise)
    confirm_upload(manager_client, response["Location"])
    assert Ticket.objects.filter(data_source=connectwise.data_source).count() == 5
    response = manager_client.post(reverse("kpis:mapping_delete", args=[connectwise.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("kpis:mappings")
    assert not ColumnMapping.objects.exists()
    assert Ticket.objects.filter(data_source=connectwise.data_source).count() == 5
    job = ImportJob.objects.get()
    assert (job.state, job.mapping_id) == ("done", None)
    assert manager_client.get(job.get_absolute_url()).status_code == 200


# --- Uploading with a mapping --------------------------------------------------------


def test_a_mapping_for_another_kind_is_a_form_error(manager_client, connectwise):
    response = _upload(manager_client, _example(), connectwise, kind="clients")
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["mapping"]
    assert not ImportJob.objects.exists()


def test_a_header_the_mapping_cannot_read_is_refused_at_once(manager_client, connectwise, settings):
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = _example().replace("Date_Entered_UTC", "Entered")
    response = _upload(manager_client, data, connectwise)
    assert response.status_code == 200
    assert response.context["errors"][0].startswith(
        "Required column “opened_at”: the file has none of the columns the mapping names for "
        "it (“Date_Entered_UTC”)."
    )
    assert not ImportJob.objects.exists()


def test_an_upload_with_a_mapping_shows_ten_rows_and_stores_nothing_until_confirmed(
    manager_client, organisation, connectwise, settings
):
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _upload(manager_client, _cw_rows(12), connectwise)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.state, job.mapping_id, job.data_source_id) == (
        "preview",
        connectwise.pk,
        connectwise.data_source_id,
    )
    page = manager_client.get(job.get_absolute_url())
    body = page.content.decode()
    assert 'data-testid="import-preview"' in body and _preview_rows(body) == 10
    assert (
        'data-testid="import-confirm"' in body and 'data-testid="import-preview-error"' not in body
    )
    assert "The file has more rows; the import reads them all." in body
    # The file's column under ours, and the value as stored: 10/5/2026 6:12 AM UTC is
    # 08:12 in Berlin summer time.
    assert "← Date_Entered_UTC" in body and "10/5/2026 6:12 AM" in body
    preview = page.context["preview"]
    opened = [name for name, _file_name in preview.columns].index("opened_at")
    assert preview.columns[opened] == ("opened_at", "Date_Entered_UTC")
    assert preview.rows[0].cells[opened] == (
        "opened_at",
        "10/5/2026 6:12 AM",
        "5 Oct 2026, 08:12",
    )
    assert not Ticket.objects.exists()
    response = confirm_upload(manager_client, job.get_absolute_url())
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == "done" and job.result["created"] == 12
    assert Ticket.objects.filter(data_source=connectwise.data_source).count() == 12
    assert Ticket.objects.get(external_id="50000").opened_at == datetime.datetime(
        2026, 10, 5, 6, 12, tzinfo=datetime.UTC
    )
    assert not ImportChunk.objects.exists()


def test_discarding_a_preview_deletes_the_upload_and_imports_nothing(
    manager_client, organisation, connectwise
):
    response = _upload(manager_client, _example(), connectwise)
    job = ImportJob.objects.get()
    assert ImportChunk.objects.filter(job=job).exists()
    response = manager_client.post(job.get_absolute_url(), {"action": "discard"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('kpis:import')}?kind=tickets"
    assert not ImportJob.objects.exists() and not ImportChunk.objects.exists()
    assert not Ticket.objects.exists()
    assert manager_client.get(job.get_absolute_url()).status_code == 404


def test_a_preview_with_a_bad_first_row_offers_no_import(
    manager_client, organisation, connectwise, settings
):
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = _cw_rows(3, first_date="13/13/2026 6:12 AM")
    response = _upload(manager_client, data, connectwise)
    assert response.status_code == 302  # the header is fine: stored for the preview
    page = manager_client.get(response["Location"])
    body = page.content.decode()
    assert body.count('data-testid="import-preview-error"') == 1
    assert 'data-testid="import-confirm"' not in body
    assert page.context["preview"].rows[0].error == (
        "Row 2, column “Date_Entered_UTC”: is not a date in the order month, day, year: "
        "'13/13/2026 6:12 AM'"
    )
    assert _preview_rows(body) == 3 and not Ticket.objects.exists()


def test_a_preview_names_the_files_column_for_a_requester_it_cannot_create(
    manager_client, organisation
):
    # Autotask names the requester by Contact ID and e-mail; this source creates no contacts.
    mapping = create_mapping(PRESETS["autotask"])
    mapping.creates_contacts = False
    mapping.save()
    for own, ours in (("29683174", "19433"), ("29683190", "19501"), ("29683201", "19588")):
        Client.objects.filter(external_id=ours).update(external_id=own)
    response = _upload(manager_client, _example("autotask-livereport-tickets.csv"), mapping)
    page = manager_client.get(response["Location"])
    errors = [row.error for row in page.context["preview"].rows if row.error]
    expected = (
        "Zeile 2, Spalte „Contact ID“: kein Ansprechpartner mit externer ID '29684001' oder "
        "E-Mail 'maria.krueger@sonnenkorn.example'; diese Datenquelle legt keine "
        "Ansprechpartner an"
    )
    # The import itself names the file's column, as every other error of a mapped file does.
    confirm_upload(manager_client, response["Location"])
    job = ImportJob.objects.get()
    assert job.state == "failed" and job.errors[0] == expected
    # The preview should say the same, before the manager presses "Import".
    assert errors[0] == expected


def test_the_previews_queries_do_not_grow_with_its_rows(manager_client, organisation, connectwise):
    Contact.objects.create(
        client=Client.objects.get(external_id="19433"),
        external_id="52310",
        name="Maria",
        email="maria@example.com",
    )
    counts = []
    for rows in (2, 12):
        response = _upload(manager_client, _cw_rows(rows), connectwise)
        with CaptureQueriesContext(connection) as queries:
            page = manager_client.get(response["Location"])
        assert len(page.context["preview"].rows) == min(rows, 10)
        assert not any(row.error for row in page.context["preview"].rows)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_import_reads_the_file_with_the_mappings_settings_at_upload(
    manager_client, organisation, connectwise
):
    response = _upload(manager_client, _example(), connectwise)
    before = manager_client.get(response["Location"]).context["preview"]
    # Changed after the upload: another date order, another column for the opening.
    connectwise.date_order = "dmy"
    connectwise.rules = {**connectwise.rules, "opened_at": {"columns": ["Nonexistent"]}}
    connectwise.save()
    after = manager_client.get(response["Location"]).context["preview"]
    assert after.rows == before.rows and not any(row.error for row in after.rows)
    confirm_upload(manager_client, response["Location"])
    assert ImportJob.objects.get().state == "done"
    # Read as month/day: 5 October, not 10 May.
    assert Ticket.objects.get(external_id="48211").opened_at == datetime.datetime(
        2026, 10, 5, 6, 12, tzinfo=datetime.UTC
    )


def test_deleting_the_mapping_after_the_upload_does_not_break_the_import(
    manager_client, organisation, connectwise
):
    response = _upload(manager_client, _example(), connectwise)
    source = connectwise.data_source
    connectwise.delete()
    page = manager_client.get(response["Location"])
    assert page.status_code == 200 and 'data-testid="import-confirm"' in page.content.decode()
    confirm_upload(manager_client, response["Location"])
    job = ImportJob.objects.get()
    assert (job.state, job.mapping_id, job.data_source_id) == ("done", None, source.pk)
    assert Ticket.objects.filter(data_source=source).count() == 5


# --- Access --------------------------------------------------------------------------


def test_a_technician_may_not_see_or_change_mappings(technician_client, connectwise):
    urls = [
        reverse("kpis:mappings"),
        reverse("kpis:mapping_new"),
        reverse("kpis:mapping_edit", args=[connectwise.pk]),
    ]
    assert [technician_client.get(url).status_code for url in urls] == [403, 403, 403]
    posts = [
        reverse("kpis:mapping_from_preset", args=["halopsa"]),
        reverse("kpis:mapping_delete", args=[connectwise.pk]),
    ]
    assert [technician_client.post(url).status_code for url in posts] == [403, 403]
    assert list(ColumnMapping.objects.all()) == [connectwise]


# --- Found in review ----------------------------------------------------------------


def test_a_mapping_in_the_query_string_that_is_no_number_is_ignored(manager_client, connectwise):
    for value in ("²", "x", "-1", "99999999999999999999999999"):
        response = manager_client.get(reverse("kpis:import"), {"mapping": value})
        assert response.status_code == 200
        assert response.context["form"]["mapping"].value() is None
    chosen = manager_client.get(reverse("kpis:import"), {"mapping": connectwise.pk})
    form = chosen.context["form"]
    assert (form["mapping"].value(), form["kind"].value()) == (connectwise.pk, "tickets")


def test_discarding_a_preview_a_colleague_confirmed_keeps_the_import(
    manager_client, organisation, connectwise
):
    response = _upload(manager_client, _example(), connectwise)
    job = ImportJob.objects.get()
    assert import_jobs.confirm(job)  # a colleague, in between
    page = manager_client.post(response["Location"], {"action": "discard"})
    assert page.status_code == 302 and page["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.state == "queued" and job.chunks.exists()


def test_a_new_data_source_may_not_take_an_existing_name(manager_client):
    DataSource.objects.create(name="HaloPSA", kind=DataSource.Kind.WEBHOOK)
    response = _new(manager_client, new_source="halopsa", name="Tickets", kind="tickets")
    assert response.status_code == 200
    assert response.context["form"].errors["new_source"]
    assert DataSource.objects.filter(name__iexact="halopsa").count() == 1


def test_a_ready_made_mapping_beside_a_webhook_source_of_that_name_gets_its_own(manager_client):
    DataSource.objects.create(name="HaloPSA", kind=DataSource.Kind.WEBHOOK)
    first, second = create_mapping(PRESETS["halopsa"]), create_mapping(PRESETS["halopsa"])
    assert first.data_source == second.data_source
    assert first.data_source.kind == "file" and first.data_source.name.startswith("HaloPSA (")
    assert DataSource.objects.filter(kind="file").count() == 1


def test_a_double_click_on_a_ready_made_mapping_creates_one(manager_client):
    page = manager_client.get(reverse("kpis:mappings")).content.decode()
    url = reverse("kpis:mapping_from_preset", args=["halopsa"])
    token = re.search(
        rf'action="{re.escape(url)}">.*?name="form_token" value="([^"]+)"', page, re.DOTALL
    ).group(1)
    for _click in range(2):
        manager_client.post(url, {"form_token": token})
    assert ColumnMapping.objects.count() == 1


def test_the_back_office_refuses_a_bad_time_zone_and_bad_rules(connectwise):
    from django.core.exceptions import ValidationError

    connectwise.time_zone, connectwise.rules = "Mars/Olympus", ["not", "a", "dict"]
    with pytest.raises(ValidationError) as exc:
        connectwise.full_clean()
    assert set(exc.value.message_dict) >= {"time_zone", "rules"}
