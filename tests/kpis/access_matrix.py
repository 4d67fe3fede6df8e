"""Who may open which KPI URL: managers (and staff, who are superusers) only; the webhook
authenticates by token and takes only POST, so a GET gives 405 to everyone."""

import datetime

from tests.access import LOGIN, Rule, managers_only


def _client_pk(cast):
    return {"pk": cast["client_company"].pk}


def _alert(cast):
    from kpis.models import ThresholdAlert

    alert = ThresholdAlert.objects.create(
        client=cast["client_company"],
        period_start=datetime.date(2026, 11, 1),
        state="warning",
        share=0.09,
        tickets=100,
        escalated=9,
        threshold=0.1,
    )
    return {"pk": alert.pk}


def _chat_channel(cast):
    # An address the product refuses outside tests: the test button posts nothing anywhere.
    from organisation.models import ChatChannel

    channel = ChatChannel.objects.create(
        name="#alerts", kind="slack", webhook_url="http://127.0.0.1:9/services/x", events=[]
    )
    return {"pk": channel.pk}


def _import_job(cast):
    from kpis.models import ImportJob

    job = ImportJob.objects.create(
        kind="tickets", file_name="tickets.csv", size=10, uploaded_by=cast["manager"]
    )
    return {"pk": job.pk}


def _mapping(cast):
    from kpis.mapping_presets import PRESETS, create_mapping

    return {"pk": create_mapping(PRESETS["halopsa"]).pk}


ACCESS = {
    "insights:dashboard": managers_only(),
    "insights:attention": managers_only(),
    "insights:client_list": managers_only(),
    # Where signing in leads: managers on to the attention page, everyone else home.
    "insights:start": Rule(LOGIN, 302, 302, 302),
    "insights:escalations": managers_only(),
    "insights:proactive": managers_only(),
    "insights:sla": managers_only(),
    "insights:sla_reconciliation": managers_only(),
    "insights:satisfaction": managers_only(),
    "insights:turnover": managers_only(),
    "insights:client_detail": managers_only(kwargs=_client_pk),
    "insights:client_search": managers_only(),
    "insights:ticket_list": managers_only(),
    "insights:alerts": managers_only(),
    "insights:alert_acknowledge": Rule(LOGIN, 403, 302, 302, kwargs=_alert, method="post"),
    "insights:chat_channels": managers_only(),
    "insights:chat_channel_new": managers_only(),
    "insights:chat_channel_edit": managers_only(kwargs=_chat_channel),
    "insights:chat_channel_delete": Rule(LOGIN, 403, 302, 302, kwargs=_chat_channel, method="post"),
    "insights:chat_channel_test": Rule(LOGIN, 403, 302, 302, kwargs=_chat_channel, method="post"),
    "kpis:import": managers_only(),
    # Every manager sees every upload: managers share the organisation's data.
    "kpis:import_job": managers_only(kwargs=_import_job),
    "kpis:mappings": managers_only(),
    "kpis:mapping_new": managers_only(),
    "kpis:mapping_edit": managers_only(kwargs=_mapping),
    "kpis:mapping_from_preset": Rule(
        LOGIN, 403, 302, 302, kwargs=lambda cast: {"key": "connectwise"}, method="post"
    ),
    "kpis:mapping_delete": Rule(LOGIN, 403, 302, 302, kwargs=_mapping, method="post"),
    "insights:export": managers_only(kwargs=lambda cast: {"table": "escalations"}),
    "kpis:webhook": Rule(405, 405, 405, 405),
}
