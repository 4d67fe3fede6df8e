"""The forms of a PSA connection: creating one (kind-specific credentials), its
settings and mappings, and replacing its credentials (a blank field keeps the stored
value). Credential inputs are never filled in from the stored values."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from core.one_time_forms import OneTimeFormMixin
from core.periods import time_zone_choices
from kpis.mappings import LIST_SEPARATOR, split_list
from kpis.models import Priority

from . import crypto
from .kinds import Credential
from .models import Integration

LIST_HELP = _("Names as the PSA shows them, separated by |; without case; * stands for any text.")


def credential_field(credential: Credential, *, required: bool, hint: str = "") -> forms.Field:
    widget = (
        forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
        if credential.secret
        else forms.TextInput(attrs={"autocomplete": "off"})
    )
    help_text = str(credential.help_text)
    if hint:
        help_text = " ".join(
            part
            for part in (
                help_text,
                str(_("Stored: %(hint)s. Leave empty to keep it.") % {"hint": hint}),
            )
            if part
        )
    return forms.CharField(
        label=credential.label,
        required=required and credential.required,
        max_length=500,
        strip=True,
        widget=widget,
        help_text=help_text,
    )


class KindFieldsMixin:
    """Shows the Halo-only fields only for HaloPSA, and the kind's URL hint."""

    def adapt_to_kind(self, kind: str, info) -> None:
        self.fields["base_url"].help_text = info.base_url_help
        if kind != "halopsa":
            for name in ("auth_url", "halo_webhook_auth"):
                self.fields.pop(name, None)
        else:
            self.fields["auth_url"].help_text = _(
                "The authorisation server URL shown beside the resource server; empty: "
                "the resource server's address with /auth instead of /api."
            )


class NewIntegrationForm(OneTimeFormMixin, KindFieldsMixin, forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone of the PSA"), choices=time_zone_choices)

    class Meta:
        model = Integration
        fields = ["name", "base_url", "auth_url", "time_zone"]

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.kind = kind
        self.adapt_to_kind(kind, self.instance.info)
        self.credentials = self.instance.info.credentials
        for credential in self.credentials:
            self.fields[f"credential_{credential.key}"] = credential_field(
                credential, required=True
            )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def save(self, commit=True):
        self.instance.replace_credentials(
            {c.key: self.cleaned_data.get(f"credential_{c.key}", "") for c in self.credentials}
        )
        return super().save(commit)


class CredentialsForm(forms.Form):
    """Replace some or all credentials; a blank field keeps the stored value."""

    def __init__(self, *args, integration: Integration, **kwargs):
        super().__init__(*args, **kwargs)
        self.integration = integration
        stored = integration.secrets if integration.secrets_readable() else {}
        for credential in integration.info.credentials:
            self.fields[credential.key] = credential_field(
                credential, required=False, hint=crypto.last_four(stored.get(credential.key, ""))
            )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def save(self) -> list[str]:
        """Store what was typed; returns the labels of the credentials that changed."""
        changed = self.integration.replace_credentials(self.cleaned_data)
        self.integration.save(update_fields=["secrets_encrypted", "event_token_hash"])
        labels = {c.key: str(c.label) for c in self.integration.info.credentials}
        return [labels[key] for key in changed]


def _joined(values) -> str:
    return f" {LIST_SEPARATOR} ".join(str(v) for v in values or ())


class SettingsForm(KindFieldsMixin, forms.ModelForm):
    """The connection's address and its mappings: priorities by name, the groups that
    count, what "escalated" and "proactive" mean, the closed statuses."""

    time_zone = forms.ChoiceField(label=_("Time zone of the PSA"), choices=time_zone_choices)
    counted = forms.CharField(label=_("Groups that count"), required=False, help_text=LIST_HELP)
    escalated_field = forms.ChoiceField(label=_("Escalated: field"), required=False)
    escalated = forms.CharField(
        label=_("Escalated: values"),
        required=False,
        help_text=_(
            "A ticket is escalated when this field currently has one of these values (for a "
            "level: this level or higher). Names separated by |."
        ),
    )
    proactive_field = forms.ChoiceField(label=_("Proactive: field"), required=False)
    proactive = forms.CharField(label=_("Proactive: values"), required=False, help_text=LIST_HELP)
    closed = forms.CharField(label=_("Closed statuses"), required=False, help_text=LIST_HELP)

    class Meta:
        model = Integration
        fields = [
            "name",
            "base_url",
            "auth_url",
            "time_zone",
            "halo_webhook_auth",
            "escalated_field",
            "proactive_field",
            "alert_after_minutes",
        ]

    def clean_alert_after_minutes(self):
        value = self.cleaned_data.get("alert_after_minutes")
        return self.instance.alert_after_minutes if value is None else value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        integration = self.instance
        info = integration.info
        self.adapt_to_kind(integration.kind, info)
        # Left empty (or not sent by an older page): the stored time stays.
        self.fields["alert_after_minutes"].required = False
        self.fields["counted"].label = info.groups_label
        self.fields["counted"].help_text = _(
            "Empty: all count. Names separated by |; without case; * stands for any text."
        )
        none = [("", pgettext("no field", "none"))]
        self.fields["escalated_field"].choices = none + list(info.escalation_fields)
        self.fields["proactive_field"].choices = none + list(info.proactive_fields)
        self.priority_names = []
        for value, label in Priority.choices:
            name = f"priority_{value}"
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                help_text=LIST_HELP,
                initial=_joined((integration.priorities or {}).get(value)),
            )
            self.priority_names.append(name)
        self.initial.update(
            counted=_joined(integration.counted_groups),
            escalated=_joined(integration.escalated_values),
            proactive=_joined(integration.proactive_values),
            closed=_joined(integration.closed_statuses),
        )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        values = split_list(data.get("escalated", ""))
        if data.get("escalated_field") == "escalation_level" and any(
            not v.isdigit() for v in values
        ):
            self.add_error("escalated", _("A level is a whole number, e.g. 1 or 1 | 2."))
        for field, listed in (("escalated_field", "escalated"), ("proactive_field", "proactive")):
            if data.get(listed, "").strip() and not data.get(field):
                self.add_error(field, _("Choose the field these values are read from."))
        return data

    def mapping_changed(self) -> bool:
        """Whether a field that decides how tickets are read changed (not the name, the
        addresses, Halo's webhook authentication or the alert time)."""
        return bool(
            set(self.changed_data)
            - {"name", "base_url", "auth_url", "halo_webhook_auth", "alert_after_minutes"}
        )

    def save(self, commit=True):
        data = self.cleaned_data
        integration = self.instance
        integration.priorities = {
            value: split_list(data.get(f"priority_{value}", ""))
            for value, _label in Priority.choices
            if split_list(data.get(f"priority_{value}", ""))
        }
        integration.counted_groups = split_list(data["counted"])
        integration.escalated_values = split_list(data["escalated"])
        integration.proactive_values = split_list(data["proactive"])
        integration.closed_statuses = split_list(data["closed"])
        return super().save(commit)


class BackfillForm(forms.Form):
    """ "Pull now", optionally reading the tickets changed since a date again."""

    since = forms.DateField(
        label=_("Read the tickets changed since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: only what changed since the last pull."),
    )

    def clean_since(self):
        since = self.cleaned_data.get("since")
        if since and since > timezone.localdate():
            raise forms.ValidationError(_("The date lies in the future."))
        return since
