"""The pages of the PSA connections (managers and staff): the list with each one's
state, creating one (choose the PSA, then its form), its settings and mappings,
replacing its credentials, testing it, deleting it; and the address each PSA posts its
live events to."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.roles import manager_required
from core.one_time_forms import one_time_form
from core.tokens import hash_token
from kpis.models import Ticket
from organisation.models import Client, Contact, Technician

from . import clients, crypto, events, health, pull, tasks
from . import connect as hook_setup
from .forms import BackfillForm, CredentialsForm, NewIntegrationForm, SettingsForm
from .kinds import KINDS, Kind
from .models import HALO_PASSWORD, HALO_TOKEN, HALO_WEBHOOK_USER, Integration

logger = logging.getLogger("integrations.views")

# Seconds the connection test waits for the PSA while a manager waits for the page.
CHECK_TIMEOUT = 10.0


def _integration(pk: int) -> Integration:
    """The connection ``pk`` (every manager sees every connection, as with imports)."""
    return get_object_or_404(Integration.objects.select_related("data_source"), pk=pk)


@manager_required
def integration_list(request):
    integrations = Integration.objects.annotate(
        waiting=Count("events", filter=events.UNPROCESSED)
    ).order_by("name")
    return render(
        request,
        "integrations/list.html",
        {"integrations": integrations, "kinds": Kind.choices},
    )


@manager_required
@sensitive_post_parameters()
@one_time_form
def integration_new(request, kind: str):
    if kind not in KINDS:
        raise Http404
    form = NewIntegrationForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        integration = form.save()
        messages.success(
            request,
            _("The connection “%(name)s” was saved. Check its mappings below.")
            % {"name": integration.name},
        )
        return redirect(integration)
    return render(
        request,
        "integrations/new.html",
        {"form": form, "kind_label": Kind(kind).label, "info": KINDS[kind]},
    )


@manager_required
def integration_edit(request, pk: int):
    integration = _integration(pk)
    form = SettingsForm(request.POST or None, instance=integration)
    if request.method == "POST" and form.is_valid():
        form.save()
        if form.mapping_changed() and integration.last_sync_at:
            # The stored tickets were read with the old mappings: read them all again.
            pull.backfill_from(integration, None)
            transaction.on_commit(lambda: tasks.pull.delay(integration.pk), robust=True)
            messages.success(
                request,
                _(
                    "The connection's settings were saved. Its tickets are read again with "
                    "the new mappings; the figures follow when the pull is done."
                ),
            )
        else:
            messages.success(request, _("The connection's settings were saved."))
        return redirect(integration)
    if not integration.secrets_readable():
        return render(
            request,
            "integrations/edit.html",
            {"form": form, "integration": integration, "unreadable": True},
        )
    halo = None
    if integration.kind == Kind.HALOPSA:
        secrets = integration.secrets
        halo = {
            "user": HALO_WEBHOOK_USER,
            "password": secrets.get(HALO_PASSWORD, ""),
            "token": secrets.get(HALO_TOKEN, ""),
        }
    return render(
        request,
        "integrations/edit.html",
        {
            "form": form,
            "integration": integration,
            "hints": integration.credential_hints(),
            "event_url": integration.event_url(),
            "halo": halo,
            "backfill_form": BackfillForm(),
        },
    )


@manager_required
def integration_status(request, pk: int):
    """How the connection is doing: last event and pull, cursors, counts, recent errors
    with the PSA's message, its alerts; test the connection and pull from here."""
    integration = _integration(pk)
    context = health.status(integration, timezone.now())
    return render(request, "integrations/status.html", {"integration": integration, **context})


def _back(request, integration: Integration):
    """Back to the page the button was on: the status page or the settings."""
    if request.POST.get("next") == "status":
        return redirect("integrations:status", pk=integration.pk)
    return redirect(integration)


@manager_required
@sensitive_post_parameters()
def integration_credentials(request, pk: int):
    integration = _integration(pk)
    form = CredentialsForm(request.POST or None, integration=integration)
    if request.method == "POST" and form.is_valid():
        changed = form.save()
        if changed:
            messages.success(request, _("Replaced: %(names)s.") % {"names": ", ".join(changed)})
        else:
            messages.info(request, _("Nothing was typed in: the stored credentials stay."))
        return redirect(integration)
    return render(
        request, "integrations/credentials.html", {"form": form, "integration": integration}
    )


@manager_required
def integration_delete(request, pk: int):
    integration = _integration(pk)
    if request.method == "POST":
        name = integration.name
        integration.delete()
        messages.success(
            request,
            _(
                "The connection “%(name)s” was deleted. Its records stay in the data source "
                "“%(source)s”."
            )
            % {"name": name, "source": integration.data_source.name},
        )
        return redirect("integrations:list")
    source_id = integration.data_source_id
    counts = [
        (_("tickets"), Ticket.objects.filter(data_source_id=source_id).count()),
        (_("clients"), Client.objects.filter(data_source_id=source_id).count()),
        (_("contacts"), Contact.objects.filter(data_source_id=source_id).count()),
        (_("technicians"), Technician.objects.filter(data_source_id=source_id).count()),
    ]
    return render(
        request, "integrations/delete.html", {"integration": integration, "counts": counts}
    )


@manager_required
@require_POST
def integration_check(request, pk: int):
    """One request to the PSA while the manager waits: one attempt, a short timeout (the
    pull retries; a person retries by clicking again)."""
    integration = _integration(pk)
    try:
        client = clients.for_integration(integration, max_attempts=1, timeout=CHECK_TIMEOUT)
        client.check()
        hook_setup.read_hook_states(integration, client)
    except (clients.PSAError, crypto.SecretsUnreadable) as exc:
        psa = isinstance(exc, clients.PSAError)
        reason = exc.message if psa else crypto.UNREADABLE
        integration.last_error = (exc.text() if psa else str(reason))[:2000]
        integration.last_error_at = timezone.now()
        integration.save(update_fields=["last_error", "last_error_at"])
        logger.warning(
            "integrations.check_failed integration=%s error=%s", integration.pk, type(exc).__name__
        )
        messages.error(
            request, _("The PSA did not accept the connection: %(error)s") % {"error": reason}
        )
    else:
        if integration.last_error:
            integration.last_error = ""
            integration.save(update_fields=["last_error"])
        messages.success(request, _("The PSA accepted the connection."))
    return _back(request, integration)


@manager_required
@require_POST
def integration_pull(request, pk: int):
    """Queue a pull now, or (with a date) read the tickets changed since then again."""
    integration = _integration(pk)
    form = BackfillForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _back(request, integration)
    since = form.cleaned_data.get("since")
    if since:
        pull.backfill_from(integration, since)
    transaction.on_commit(lambda: tasks.pull.delay(integration.pk), robust=True)
    if since:
        messages.success(
            request,
            _("The tickets changed since %(date)s are read again; the page shows the outcome.")
            % {"date": date_format(since, "SHORT_DATE_FORMAT")},
        )
    else:
        messages.success(request, _("The pull was started; the page shows its outcome."))
    return _back(request, integration)


@manager_required
@require_POST
def integration_connect(request, pk: int):
    """Register (``action=connect``) or remove (``action=disconnect``) the PSA's
    callbacks or webhooks; a PSA's refusal is a message, never an error page."""
    integration = _integration(pk)
    removing = request.POST.get("action") == "disconnect"
    try:
        if removing:
            hook_setup.disconnect(integration)
        else:
            count = hook_setup.connect(integration)
    except hook_setup.NotSupported:
        messages.info(request, hook_setup.not_supported_message())
    except Exception as exc:  # the PSA's own message is what the manager needs
        logger.warning(
            "integrations.connect_failed integration=%s error=%s",
            integration.pk,
            type(exc).__name__,
        )
        messages.error(
            request, _("The PSA refused the registration: %(error)s") % {"error": _psa_text(exc)}
        )
    else:
        if removing:
            messages.success(request, _("The PSA no longer sends events to this product."))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s event registration is in place.",
                    "%(count)s event registrations are in place.",
                    count,
                )
                % {"count": count},
            )
    return redirect(integration)


def _psa_text(exc: Exception) -> str:
    """The PSA's error as its text says it; any other failure by its message."""
    if isinstance(exc, clients.PSAError):
        return exc.text()
    return str(getattr(exc, "message", "") or exc)


def _answer(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"status": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="msp-maturity events"'
    return response


@csrf_exempt
def event(request, token: str):
    """A PSA's live event: verified, stored once, applied by a task (integrations.events).
    404 for an unknown address, 405 for other methods than POST, 400 for a body that is
    not JSON, 413 for one over settings.INTEGRATIONS_EVENT_MAX_BYTES, 401/403 for a
    missing/wrong signature; 200 when stored (or already stored)."""
    token_hash = hash_token(token)
    integration = events.connection_for(token_hash)
    refusal = None if integration is None else _refusal(request)
    if refusal is not None:
        # The connection may be the process's copy: an address deleted meanwhile is 404.
        integration = events.connection_for(token_hash, stored=True)
    if integration is None:
        return _answer(404, "unknown address")
    if refusal is not None:
        return refusal
    outcome = events.receive(token_hash, integration, request.body, request.headers)
    return _answer(outcome.status, outcome.message)


def _refusal(request) -> JsonResponse | None:
    """The answer to a request that is no event to verify (405, 400, 413), else None."""
    if request.method != "POST":
        response = _answer(405, "POST only")
        response["Allow"] = "POST"
        return response
    if request.content_type != "application/json":
        return _answer(400, "send application/json")
    limit = settings.INTEGRATIONS_EVENT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _answer(400, "bad Content-Length")
    if declared > limit or len(request.body) > limit:
        return _answer(413, "body too large")
    return None
