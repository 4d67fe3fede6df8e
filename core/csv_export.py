"""CSV downloads that spreadsheet programs cannot turn into formulas (OWASP CSV injection).

Shared by every export of the product; each app chooses the precision of its figures and
whether long tables stream.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value, decimals: int = 2) -> str:
    """A cell as text. Text a spreadsheet would read as a formula (starting with = + - @
    tab or CR, also after blanks or line breaks) gets a leading apostrophe; numbers stay
    numbers ("-20" stays a negative NPS); None is "—" as on the page."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{decimals}f}"
    text = str(value)
    # Leading blanks or line breaks do not disarm a formula in every spreadsheet program.
    if text.startswith(FORMULA_PREFIXES) or text.lstrip().startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable], decimals: int = 2):
    """The file line by line, starting with the BOM Excel needs to read UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([neutralise(cell, decimals) for cell in header])
    for row in rows:
        yield writer.writerow([neutralise(cell, decimals) for cell in row])


def csv_response(
    filename: str,
    header: list[str],
    rows: Iterable[Iterable],
    *,
    decimals: int = 2,
    stream: bool = False,
) -> HttpResponse | StreamingHttpResponse:
    """A download; ``stream=True`` keeps memory flat for long tables (ticket lists)."""
    lines = csv_lines(header, rows, decimals)
    if stream:
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class RefusedFilter(Exception):
    """An export asked for with a filter its page would correct (a date out of range, an
    unknown client): a CSV cannot show the page's message, so the export answers 400."""

    def __init__(self, form):
        super().__init__(form.errors)
        self.form = form


def require_valid_filter(form) -> None:
    """Raise RefusedFilter when ``form`` (a bound filter form) is invalid."""
    if form.is_bound and not form.is_valid():
        raise RefusedFilter(form)


def refused_filter_response(form) -> HttpResponse:
    """400, plain text in the request's language: each field's label and its problem."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        lines.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return HttpResponse(
        "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
    )
