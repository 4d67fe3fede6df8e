"""The chat channel form of the settings page (insights/views/chat_channels.py)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from core import chat
from core.one_time_forms import OneTimeFormMixin
from organisation.models import ChatChannel, ChatEvent


class ChatChannelForm(OneTimeFormMixin, forms.ModelForm):
    """A new channel, or a change to one. The stored webhook URL is never shown again:
    left empty when editing, it stays as it is."""

    webhook_url = forms.URLField(
        label=_("Webhook URL"),
        max_length=chat.MAX_URL_LENGTH,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Slack: https://hooks.slack.com/services/… from the app's “Incoming Webhooks”. "
            "Microsoft Teams: the URL of a Workflows flow started by “When a Teams webhook "
            "request is received”."
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Messages this channel receives"),
        choices=ChatEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Feedback cases are posted as soon as the product opens them."),
    )

    class Meta:
        model = ChatChannel
        fields = ["name", "kind", "webhook_url", "events", "language", "enabled"]
        labels = {"language": _("Language of the messages")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["webhook_url"].required = False
            self.fields["webhook_url"].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it; paste a new URL to replace it."
            ) % {"masked": chat.masked(self.instance.webhook_url)}
        self.initial["webhook_url"] = ""  # the stored URL never goes back to the browser
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save the channel")))

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"].strip()
        return url or (self.instance.webhook_url if self.instance.pk else "")

    def clean(self):
        data = super().clean()
        url, kind = data.get("webhook_url"), data.get("kind")
        if url and kind:
            problem = chat.url_problem(kind, url)
            if problem:
                self.add_error("webhook_url", problem)
        return data

    def save(self, commit=True):
        channel = super().save(commit=False)
        if "webhook_url" in self.changed_data or "kind" in self.changed_data:
            # A new address: the last error was about the old one.
            channel.last_error, channel.last_error_status, channel.last_error_at = "", None, None
        if commit:
            channel.save()
        return channel
