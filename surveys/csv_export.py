"""CSV downloads that spreadsheet programs cannot turn into formulas."""

import csv

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """A cell as text; one that a spreadsheet would read as a formula gets a leading
    apostrophe (OWASP CSV injection)."""
    if value is None:
        return "—"  # an empty figure, as on the page
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A number is data, not a formula; "-20" stays a negative NPS.
        return f"{value:.1f}" if isinstance(value, float) else str(value)
    text = str(value)
    # Leading blanks or line breaks do not disarm a formula in every spreadsheet program.
    if text.startswith(FORMULA_PREFIXES) or text.lstrip().startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel needs the BOM to read UTF-8
    writer = csv.writer(response)
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return response
