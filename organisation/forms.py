"""The brand page's form (the brand's fields, a new logo and removing the logo) and the
client picker of every client filter."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.name_picker import NamePickerField

from .branding import LOGO_MAX_BYTES, check_logo
from .models import Brand, Client


class BrandForm(forms.ModelForm):
    new_logo = forms.FileField(
        label=_("New logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, at most %(size)s KB; shown about 48 pixels high.")
        % {"size": LOGO_MAX_BYTES // 1024},
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = Brand
        fields = [
            "name",
            "primary_colour",
            "sender_name",
            "sender_email",
            "reply_to",
            "postal_address",
            "website",
            "imprint_url",
            "privacy_url",
        ]
        widgets = {
            "primary_colour": forms.TextInput(attrs={"type": "color"}),
            "postal_address": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_new_logo(self):
        upload = self.cleaned_data.get("new_logo")
        if not upload:
            return None
        data = upload.read(LOGO_MAX_BYTES + 1)
        return data, check_logo(data)

    def save(self, commit=True):
        brand = super().save(commit=False)
        if self.cleaned_data.get("new_logo"):
            brand.set_logo(*self.cleaned_data["new_logo"])
        elif self.cleaned_data.get("remove_logo"):
            brand.remove_logo()
        if commit:
            brand.save()
        return brand


# The clients' search endpoint (insights.views.client_search): managers only, like every
# page with a client filter.
CLIENT_SEARCH_URL = "insights:client_search"


def client_picker() -> NamePickerField:
    """The client filter of report and list pages: a client found by typing its name
    (core.name_picker), "All clients" when left empty."""
    return NamePickerField(
        label=_("Client"),
        queryset=Client.objects.only("pk", "name"),
        search_url=CLIENT_SEARCH_URL,
        placeholder=_("All clients"),
        required=False,
        error_messages={
            "unknown": _("No client is called “%(name)s”."),
            "ambiguous": _(
                "Several clients’ names start with “%(name)s”: choose one or type more of it."
            ),
        },
    )
