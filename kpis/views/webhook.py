"""The JSON endpoint PSA tools call for each created or changed ticket.

POST /kpis/webhook/tickets/ with ``Authorization: Bearer <token>`` (or
``X-Webhook-Token: <token>``) and a JSON object with the ticket fields of the CSV import
(docs/import.md), or ``{"tickets": [ ... ]}`` for up to MAX_TICKETS at once, stored in
the integration's data source. A ticket
changes only in the fields its object names, as a CSV row (``kpis.upsert``); keys
are read as a CSV header is (German aliases; a key close to a field's name is refused,
other unknown keys are ignored and listed).
Responses: 200 {"created", "updated", "unchanged", "moved", "ignored_fields"}; 400
{"error", "fields"} for bad JSON or bad values (nothing stored); 401 for a missing,
unknown or revoked token; 405 for other methods; 415 for a body that is not
application/json.
"""

from __future__ import annotations

import json
import logging
import time

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from .. import columns, importing
from ..models import WebhookIntegration
from ..ticket_fields import RowError
from ..upsert import RowsRejected, upsert_tickets

logger = logging.getLogger("kpis.webhook")

MAX_TICKETS = 500


def _error(status: int, message: str, **extra) -> JsonResponse:
    response = JsonResponse({"error": message, **extra}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="msp-maturity webhook"'
    return response


def _token(request) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-Webhook-Token", "").strip()


def _rows(items: list[dict]) -> tuple[list[dict | None], list[dict], set[str]]:
    """Each ticket's keys read as the CSV header is (aliases, near misses): (the rows by
    column, None where the keys are refused; the refused keys as field errors; the
    ignored keys)."""
    rows, errors, ignored = [], [], set()
    for index, item in enumerate(items):
        header = columns.read_header("tickets", list(item), check_required=False)
        if header.problems:
            rows.append(None)
            errors += [{"index": index, "field": k, "message": m} for k, m in header.problems]
            continue
        ignored.update(header.ignored)
        rows.append(
            {
                column: value
                for column, value in zip(header.columns, item.values(), strict=True)
                if column
            }
        )
    return rows, errors, ignored


def _rejected(integration, items, errors) -> JsonResponse:
    logger.info(
        "kpis.webhook_rejected integration=%s tickets=%s errors=%s",
        integration.pk,
        len(items),
        len(errors),
    )
    return _error(400, "Invalid ticket data; nothing was stored.", fields=errors)


@csrf_exempt
def webhook(request):
    if request.method != "POST":
        response = _error(405, "Only POST is allowed.")
        response["Allow"] = "POST"
        return response
    integration = WebhookIntegration.objects.for_token(_token(request))
    if integration is None:
        logger.warning("kpis.webhook_refused reason=token")
        return _error(401, "Missing, unknown or revoked token.")
    if request.content_type != "application/json":
        return _error(415, "Send the ticket as application/json.")
    try:
        payload = json.loads(request.body)
    except RequestDataTooBig:
        return _error(413, f"The body is too large; send at most {MAX_TICKETS} tickets.")
    except RecursionError:
        return _error(400, "The body is not valid JSON: nested too deeply.")
    except (ValueError, UnicodeDecodeError) as exc:
        return _error(400, f"The body is not valid JSON: {exc}")
    items = (
        payload.get("tickets") if isinstance(payload, dict) and "tickets" in payload else [payload]
    )
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        return _error(400, 'Send one ticket object or {"tickets": [objects]}.')
    if len(items) > MAX_TICKETS:
        return _error(400, f"At most {MAX_TICKETS} tickets per request.")
    rows, errors, ignored = _rows(items)
    lookups = importing.ticket_lookups(integration.data_source_id, [row for row in rows if row])
    cleaned = []
    for index, row in enumerate(rows):
        if row is None:
            continue
        try:
            cleaned.append((index, columns.clean_row(columns.TICKET_COLUMNS, row, lookups)))
        except RowError as exc:  # every bad field of the ticket, not only the first
            errors.extend(
                {"index": index, "field": e.column, "message": e.reason} for e in exc.errors
            )
    if errors:
        return _rejected(integration, items, sorted(errors, key=lambda e: e["index"]))
    started = time.monotonic()
    try:
        with transaction.atomic():
            result = upsert_tickets(cleaned, data_source_id=integration.data_source_id)
            WebhookIntegration.objects.filter(pk=integration.pk).update(last_used_at=timezone.now())
    except RowsRejected as exc:  # checks against the stored tickets; nothing was written
        errors = [{"index": i, "field": e.column, "message": e.reason} for i, e in exc.problems]
        return _rejected(integration, items, errors)
    logger.info(
        "kpis.webhook_stored integration=%s created=%s updated=%s unchanged=%s moved=%s "
        "seconds=%.3f",
        integration.pk,
        result.created,
        result.updated,
        result.unchanged,
        result.moved,
        time.monotonic() - started,
    )
    return JsonResponse(
        {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "moved": result.moved,
            "ignored_fields": sorted(ignored),
        }
    )
