"""An import lists every problem of a bad row, each with its row and column, and counts
each problem against MAX_ERRORS."""

import pytest

from kpis import importing
from tests.kpis.test_import import HEADER, _import
from tests.kpis.test_import import acme as acme_fixture

acme = acme_fixture

pytestmark = pytest.mark.django_db


def _errors(text: str) -> list[str]:
    with pytest.raises(importing.ImportRejected) as caught:
        _import("tickets", text)
    return caught.value.errors


def test_a_row_with_two_bad_cells_lists_both_in_column_order(acme):
    # Row 2 (the first data row after the header) has an unknown priority and a bad date.
    errors = _errors(HEADER + "T-1,C-1,urgent,yesterday,client,false\n")
    assert len(errors) == 2
    assert errors[0].startswith("Row 2, column “priority”:")
    assert errors[1].startswith("Row 2, column “opened_at”:")


def test_max_errors_counts_problems_not_rows(acme, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ERRORS", 3)
    # Two rows with two problems each: the third problem stops the check.
    bad = "T-{n},C-1,urgent,yesterday,client,false\n"
    errors = _errors(HEADER + bad.format(n=1) + bad.format(n=2) + bad.format(n=3))
    assert [e.split(":")[0] for e in errors[:3]] == [
        "Row 2, column “priority”",
        "Row 2, column “opened_at”",
        "Row 3, column “priority”",
    ]
    assert len(errors) == 4
    assert errors[-1] == "… further rows not checked."
