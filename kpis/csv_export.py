"""CSV downloads that spreadsheet programs cannot turn into formulas."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """A cell as text. Text a spreadsheet would read as a formula (starting with = + - @
    tab or CR, also after blanks or line breaks) gets a leading apostrophe (OWASP CSV
    injection); numbers stay numbers; None is "—" as on the page."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    text = str(value)
    # Leading blanks or line breaks do not disarm a formula in every spreadsheet program.
    if text.startswith(FORMULA_PREFIXES) or text.lstrip().startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_response(
    filename: str, header: list[str], rows: Iterable[Iterable]
) -> StreamingHttpResponse:
    """Stream the rows (a generator keeps memory flat for long ticket lists)."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # Excel needs the BOM to read UTF-8
        yield writer.writerow([neutralise(cell) for cell in header])
        for row in rows:
            yield writer.writerow([neutralise(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
