"""What differs between the three PSAs on our side: the credentials each needs, the hint
for its base URL, and which of its ticket fields a mapping may read (docs/psa-apis.md
section 5, docs/integrations.md). Everything the product asks of a PSA's API lives in
``integrations.clients``; this module only describes."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CONNECTWISE = "connectwise", "ConnectWise Manage"
    AUTOTASK = "autotask", "Autotask"
    HALOPSA = "halopsa", "HaloPSA"


@dataclass(frozen=True)
class Credential:
    """One credential field: its key in the encrypted dict, its label, whether it is a
    secret (a password input) and whether the form requires it."""

    key: str
    label: Promise
    secret: bool = False
    required: bool = True
    help_text: Promise | str = ""


@dataclass(frozen=True)
class KindInfo:
    credentials: tuple[Credential, ...]
    base_url_help: Promise
    # The PSA fields a rule for "escalated" / "proactive" may read: (key, label).
    escalation_fields: tuple[tuple[str, Promise], ...]
    proactive_fields: tuple[tuple[str, Promise], ...]
    # What the PSA calls the groups of tickets that count (boards, queues, teams).
    groups_label: Promise


_BOARD = ("board", _("Board"))
_STATUS = ("status", _("Status"))
_TEAM = ("team", _("Team"))
_TYPE = ("type", _("Type"))
_SOURCE = ("source", _("Source"))

KINDS: dict[str, KindInfo] = {
    Kind.CONNECTWISE: KindInfo(
        credentials=(
            Credential("company_id", _("Company id"), help_text=_("As typed when signing in.")),
            Credential("public_key", _("Public key"), help_text=_("Of the API member.")),
            Credential("private_key", _("Private key"), secret=True),
            Credential(
                "client_id",
                _("clientId"),
                help_text=_("The integration's id from developer.connectwise.com/ClientID."),
            ),
        ),
        base_url_help=_(
            "https://<your site>/v4_6_release/apis/3.0 – for ConnectWise's cloud the API "
            "host, e.g. https://api-eu.myconnectwise.net/v4_6_release/apis/3.0"
        ),
        escalation_fields=(
            _BOARD,
            _STATUS,
            _TEAM,
            ("escalation_level", _("Escalation level")),
            _TYPE,
            ("subtype", _("Subtype")),
            ("item", _("Item")),
        ),
        proactive_fields=(_SOURCE, _TYPE, ("subtype", _("Subtype")), _BOARD),
        groups_label=_("Boards that count"),
    ),
    Kind.AUTOTASK: KindInfo(
        credentials=(
            Credential("username", _("API user name"), help_text=_("The API user's e-mail.")),
            Credential("secret", _("Secret"), secret=True),
            Credential(
                "integration_code",
                _("API tracking identifier"),
                secret=True,
                help_text=_("The integration code shown on the API user's security page."),
            ),
        ),
        base_url_help=_(
            "The zone URL Autotask gives for the API user (zoneInformation), e.g. "
            "https://webservices5.autotask.net/ATServicesRest"
        ),
        escalation_fields=(
            ("queue", _("Queue")),
            _STATUS,
            ("issue_type", _("Issue type")),
            ("sub_issue_type", _("Sub-issue type")),
            ("ticket_type", _("Ticket type")),
            ("assigned_role", _("Role of the assigned resource")),
        ),
        proactive_fields=(
            _SOURCE,
            ("ticket_type", _("Ticket type")),
            ("issue_type", _("Issue type")),
            ("queue", _("Queue")),
        ),
        groups_label=_("Queues that count"),
    ),
    Kind.HALOPSA: KindInfo(
        credentials=(
            Credential("client_id", _("Client ID")),
            Credential("client_secret", _("Client secret"), secret=True),
            Credential(
                "tenant",
                _("Tenant"),
                required=False,
                help_text=_("Only when Halo hosts your instance; shown under API details."),
            ),
            Credential("scope", _("Scope"), required=False, help_text=_("Empty: all")),
        ),
        base_url_help=_(
            "The resource server URL under Configuration > Integrations > Halo API, "
            "e.g. https://nordlicht.halopsa.com/api"
        ),
        escalation_fields=(
            _TEAM,
            _STATUS,
            ("ticket_type", _("Ticket type")),
            ("category_1", _("Category 1")),
            ("category_2", _("Category 2")),
            ("category_3", _("Category 3")),
            ("category_4", _("Category 4")),
        ),
        proactive_fields=(
            _SOURCE,
            ("ticket_type", _("Ticket type")),
            ("category_1", _("Category 1")),
        ),
        groups_label=_("Teams that count"),
    ),
}


def info(kind: str) -> KindInfo:
    return KINDS[kind]
