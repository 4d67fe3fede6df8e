"""Who may open which PSA connection URL: managers (and staff, who are superusers) only;
the event address authenticates by its token and the PSA's signature and takes only
POST, so a GET gives 405 to everyone (404 for an unknown token)."""

from tests.access import LOGIN, Rule, managers_only


def _integration(cast):
    from integrations.models import Integration

    integration = Integration(kind="halopsa", name="Halo", base_url="https://halo.example/api")
    integration.replace_credentials({"client_id": "client-1234", "client_secret": "s" * 20})
    integration.save()
    return integration


def _pk(cast):
    return {"pk": _integration(cast).pk}


def _token(cast):
    from integrations.models import EVENT_TOKEN

    return {"token": _integration(cast).secrets[EVENT_TOKEN]}


ACCESS = {
    "integrations:list": managers_only(),
    "integrations:new": managers_only(kwargs=lambda cast: {"kind": "connectwise"}),
    "integrations:edit": managers_only(kwargs=_pk),
    "integrations:status": managers_only(kwargs=_pk),
    "integrations:credentials": managers_only(kwargs=_pk),
    "integrations:delete": managers_only(kwargs=_pk),
    "integrations:check": Rule(LOGIN, 403, 302, 302, kwargs=_pk, method="post"),
    "integrations:pull": Rule(LOGIN, 403, 302, 302, kwargs=_pk, method="post"),
    "integrations:connect": Rule(LOGIN, 403, 302, 302, kwargs=_pk, method="post"),
    "integrations:event": Rule(405, 405, 405, 405, kwargs=_token),
}
