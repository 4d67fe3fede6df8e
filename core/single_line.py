"""Names and titles are one line of text.

A line break in a client's or a round's name ends up in places that cannot hold one: an
e-mail subject (Python refuses the header: "Header values may not contain linefeed"), a
CSV cell, a heading. So:

- forms refuse it (``SingleLineFormField``; a model field declared as
  ``SingleLineCharField`` gives every ModelForm and the back office that field);
- machine input (CSV import, webhook) is normalised with ``one_line``: each run of line
  breaks and control characters becomes one space, because a cell that Excel wrapped
  with Alt+Enter still means one name;
- e-mail subjects are built by ``core.mail.compose``, which passes them through
  ``one_line`` too, so a name stored before these rules cannot break a message.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# C0 and C1 control characters (tab, line feed, carriage return, vertical tab, form feed,
# NEL, ...) and the Unicode line and paragraph separators: everything str.splitlines()
# splits on, and nothing a name needs.
BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` with each run of line breaks and control characters replaced by one
    space, stripped."""
    if text.isprintable():  # the usual case, and much cheaper than the expression
        return text.strip()
    return BREAKS.sub(" ", text).strip()


def validate_single_line(value: str) -> None:
    if BREAKS.search(value or ""):
        raise ValidationError(
            _("Use a single line: no line breaks or control characters."), code="single_line"
        )


class SingleLineFormField(forms.CharField):
    default_validators = [validate_single_line]


class SingleLineCharField(models.CharField):
    """A CharField whose forms refuse line breaks and control characters."""

    default_validators = [validate_single_line]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": SingleLineFormField, **kwargs})
