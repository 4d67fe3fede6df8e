"""The "connect" step: register the connection's event address with the PSA
(ConnectWise callbacks for tickets, companies, contacts and members; Autotask webhooks
for tickets, companies and contacts with the webhook secret) and remember what was
registered in ``Integration.registered_hooks``; "disconnect" removes it again. HaloPSA
has no API for this: its webhook is set up by hand (docs/integrations.md, section 4).

Both raise ``NotSupported`` for Halo and let the client's ``PSAError`` through (its
message is the PSA's own); what was registered before a failure is kept, so
disconnecting removes it."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from .clients import BadRequest, for_integration
from .kinds import Kind
from .models import WEBHOOK_SECRET, Entity, Integration

DESCRIPTION = "msp-maturity"
CONNECTWISE_ENTITIES = (Entity.TICKET, Entity.COMPANY, Entity.CONTACT, Entity.MEMBER)
# Autotask's webhook entities (it has none for resources: technicians come by pull) and
# the fields each subscribes to. An event is only a trigger (the record is fetched by id),
# so one field is enough; Autotask requires at least one. [ASSUMPTION] the field id:
# Autotask's internal id, the one in its documented example; check it on a real instance.
AUTOTASK_ENTITIES = {
    Entity.TICKET: ("Ticket", (13,)),
    Entity.COMPANY: ("Company", (13,)),
    Entity.CONTACT: ("Contact", (13,)),
}


class NotSupported(Exception):
    pass


def connect(integration: Integration, client=None) -> int:
    """Register what is not registered yet; returns how many hooks are registered."""
    client = client if client is not None else for_integration(integration)
    hooks = list(integration.registered_hooks or [])
    have = {hook["entity"] for hook in hooks}
    url = integration.event_url()
    try:
        if integration.kind == Kind.CONNECTWISE:
            for entity in CONNECTWISE_ENTITIES:
                if entity not in have:
                    hooks.append({"entity": entity, "id": _callback(client, url, entity)})
        elif integration.kind == Kind.AUTOTASK:
            for entity, (name, field_ids) in AUTOTASK_ENTITIES.items():
                if entity in have:
                    continue
                webhook_id = client.create_webhook(
                    name,
                    name=f"{DESCRIPTION} {integration.name}",
                    url=url,
                    deactivation_url=url,
                    secret=integration.secrets[WEBHOOK_SECRET],
                    field_ids=field_ids,
                )
                hooks.append({"entity": entity, "id": str(webhook_id)})
        else:
            raise NotSupported
    finally:
        _store(integration, hooks)
    return len(hooks)


def _callback(client, url: str, entity: str) -> str:
    """Create the callback; when ConnectWise says it exists (a create whose answer was
    lost), take the existing entry's id."""
    try:
        return str(client.create_callback(url, entity, f"{DESCRIPTION} {entity}")["id"])
    except BadRequest:
        for entry in client.callbacks(url):
            if entry.get("url") == url and entry.get("type") == entity:
                return str(entry["id"])
        raise


def disconnect(integration: Integration, client=None) -> None:
    """Remove every registered hook (one already gone in the PSA is fine)."""
    if integration.kind not in (Kind.CONNECTWISE, Kind.AUTOTASK):
        raise NotSupported
    client = client if client is not None else for_integration(integration)
    hooks = list(integration.registered_hooks or [])
    try:
        while hooks:
            hook = hooks[0]
            if integration.kind == Kind.CONNECTWISE:
                client.delete_callback(int(hook["id"]))
            else:
                client.delete_webhook(AUTOTASK_ENTITIES[hook["entity"]][0], int(hook["id"]))
            hooks.pop(0)
    finally:
        _store(integration, hooks)


def _store(integration: Integration, hooks: list[dict]) -> None:
    integration.registered_hooks = hooks
    integration.connected_at = timezone.now() if hooks else None
    integration.inactive_hooks = [h for h in integration.inactive_hooks or [] if h in hooks]
    integration.save(update_fields=["registered_hooks", "connected_at", "inactive_hooks"])


def read_hook_states(integration: Integration, client) -> None:
    """Autotask: store which registered webhooks Autotask switched off (it deactivates
    one after repeated delivery failures; the status page says so). Nothing for the
    others. Read by the connection test."""
    if integration.kind != Kind.AUTOTASK:
        return
    inactive = []
    for hook in integration.registered_hooks or []:
        item = client.webhook(AUTOTASK_ENTITIES[hook["entity"]][0], int(hook["id"]))
        # Autotask's REST API answers isActive; the create request names it IsActive.
        active = (item or {}).get("isActive", (item or {}).get("IsActive", True))
        if item is not None and active in (False, 0):
            inactive.append(hook)
    integration.inactive_hooks = inactive
    integration.save(update_fields=["inactive_hooks"])


def not_supported_message() -> str:
    return _(
        "HaloPSA has no API to register its webhook: set it up in Halo as "
        "docs/integrations.md describes, with the address and credentials shown here."
    )
