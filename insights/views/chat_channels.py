"""The chat channels settings page, beside the alerts: managers add Slack and Microsoft
Teams channels, choose what each receives (KPI alerts, team satisfaction alerts, feedback
cases), and send a test message. The webhook URL is shown masked. The channels and their
sending are on the organisation's floor (organisation.chat), so that every subject app
can post to them; this page needs the roles, so it lives here."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import manager_required
from core import chat as chat_core
from core.one_time_forms import one_time_form
from organisation import chat
from organisation.models import ChatChannel

from ..channel_forms import ChatChannelForm


@manager_required
def chat_channels(request):
    channels = [
        (channel, chat_core.masked(channel.webhook_url), _explanation(channel))
        for channel in ChatChannel.objects.all()
    ]
    return render(request, "insights/chat_channels.html", {"channels": channels})


def _explanation(channel: ChatChannel) -> str:
    """What the channel's last error means, in the page's language ("" without one)."""
    if not channel.last_error:
        return ""
    problem = chat_core.url_problem(channel.kind, channel.webhook_url)
    if problem:
        return problem
    reason = channel.last_error  # "HTTP 404: no_service"
    body = reason.split(": ", 1)[1] if reason.startswith("HTTP ") and ": " in reason else reason
    return chat_core.explain(channel.last_error_status, body)


def _channel_form(request, channel: ChatChannel | None):
    form = ChatChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        form.save()
        if channel is None:
            messages.success(request, _("The channel was saved. Send a test message to check it."))
        else:
            messages.success(request, _("The channel was saved."))
        return redirect("insights:chat_channels")
    return render(request, "insights/chat_channel_form.html", {"form": form, "channel": channel})


@manager_required
@one_time_form
def chat_channel_new(request):
    return _channel_form(request, None)


@manager_required
@one_time_form
def chat_channel_edit(request, pk: int):
    return _channel_form(request, get_object_or_404(ChatChannel, pk=pk))


@manager_required
@require_POST
def chat_channel_delete(request, pk: int):
    ChatChannel.objects.filter(pk=pk).delete()
    messages.success(request, _("The channel was removed."))
    return redirect("insights:chat_channels")


def test_message() -> chat_core.ChatMessage:
    """The test message, in the active language."""
    return chat_core.ChatMessage(
        title=_("Test message from the KPI alerts"),
        facts=[(_("Result"), _("This channel receives the alerts you chose."))],
        link=settings.SITE_URL + reverse("insights:chat_channels"),
        link_text=_("Open the chat channel settings"),
    )


@manager_required
@require_POST
def chat_channel_test(request, pk: int):
    channel = get_object_or_404(ChatChannel, pk=pk)
    problem = chat_core.url_problem(channel.kind, channel.webhook_url)
    if problem:
        messages.error(request, problem)
        return redirect("insights:chat_channels")
    with translation.override(channel.language):
        message = test_message()
    result = chat.send_test(channel, message)
    if result.verdict == chat_core.SENT:
        messages.success(
            request,
            _("The test message was posted to “%(channel)s” (HTTP %(status)s).")
            % {"channel": channel.name, "status": result.status},
        )
    else:
        detail = " ".join(
            filter(None, [f"HTTP {result.status}" if result.status else "", result.body[:100]])
        )
        messages.error(
            request,
            _("The test message was not posted to “%(channel)s”: %(explanation)s")
            % {
                "channel": channel.name,
                "explanation": chat_core.explain(result.status, result.body, retried=False),
            }
            + (f" ({detail})" if detail else ""),
        )
    return redirect("insights:chat_channels")
