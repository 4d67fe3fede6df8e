"""Who may open which survey URL. Token pages are public: the token is the key."""

import datetime

from django.utils import timezone

from tests.access import LOGIN, Rule, managers_only, public


def _campaign(cast, kind="client_onboarding"):
    from surveys.models import Campaign, Survey

    now = timezone.now()
    return Campaign.objects.create(
        survey=Survey.objects.get(kind=kind),
        name="Access check",
        status=Campaign.Status.OPEN,
        send_at=now,
        started_at=now,
        closes_at=now + datetime.timedelta(days=7),
    )


def _token(cast):
    from surveys.models import Invitation
    from tests.surveys.links import link_token

    contact = cast["client_company"].contacts.first()
    invitation = Invitation.objects.create(
        campaign=_campaign(cast), contact=contact, email=contact.email, status="sent"
    )
    return {"token": link_token(invitation)}


def _own_invitation(cast):
    from surveys.models import Invitation

    technician = cast["technician"]
    invitation = Invitation.objects.create(
        campaign=_campaign(cast, "pulse"),
        technician=technician,
        email=technician.email,
        status="sent",
    )
    return {"pk": invitation.pk}


def _campaign_pk(cast):
    return {"pk": _campaign(cast).pk}


def _suppressed_pk(cast):
    from organisation.consent import suppress

    return {"pk": suppress("gone@example.com", "staff").pk}


def _client_pk(cast):
    return {"pk": cast["client_company"].pk}


def _contact_pk(cast):
    return {"pk": cast["client_company"].contacts.first().pk}


ACCESS = {
    "surveys:respond": public(kwargs=_token),
    "surveys:thanks": public(),
    # Anything else below the links' path: the client's "link does not work" page.
    "surveys:respond_unknown": Rule(404, 404, 404, 404, kwargs=lambda cast: {"rest": "a/b/"}),
    # The MSP's brand on client pages and e-mails: managers set it.
    "surveys:brand_settings": managers_only(),
    # Technicians see their own page; managers without a technician profile get 403.
    "surveys:my_surveys": Rule(LOGIN, 200, 403, 403),
    # The test technician owns the invitation; managers and staff are not technicians.
    "surveys:my_response": Rule(LOGIN, 200, 403, 403, kwargs=_own_invitation),
    "surveys:campaign_list": managers_only(),
    "surveys:campaign_create": managers_only(),
    "surveys:campaign_detail": managers_only(kwargs=_campaign_pk),
    "surveys:campaign_close": Rule(LOGIN, 403, 302, 302, kwargs=_campaign_pk, method="post"),
    "surveys:campaign_resend": Rule(LOGIN, 403, 302, 302, kwargs=_campaign_pk, method="post"),
    "surveys:suppression_list": managers_only(),
    "surveys:suppression_remove": Rule(LOGIN, 403, 302, 302, kwargs=_suppressed_pk, method="post"),
    "surveys:client_opt_out": Rule(
        LOGIN, 403, 302, 302, kwargs=_client_pk, method="post", data={"opted_out": "1"}
    ),
    "surveys:contact_opt_out": Rule(
        LOGIN, 403, 302, 302, kwargs=_contact_pk, method="post", data={"opted_out": "1"}
    ),
    "surveys:results": managers_only(),
    "surveys:results_clients": managers_only(),
    "surveys:results_pulse": managers_only(),
    "surveys:results_aggregate": managers_only(kwargs=lambda cast: {"kind": "in-depth"}),
    "surveys:export": managers_only(kwargs=lambda cast: {"report": "clients", "table": "by-month"}),
}
