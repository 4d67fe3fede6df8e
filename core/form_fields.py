"""Form fields that refuse impossible input with a form error instead of a 500.

Django's ModelChoiceField and ModelMultipleChoiceField pass a submitted id straight to the
database; an id beyond 64 bits makes SQLite raise OverflowError (a 500) instead of the
"not one of the available choices" error a person should see. A DateField accepts
0001-01-01 and 9999-12-31, which have no day before or after them (and no time-zone
offset), so every date a person types goes through ``BoundedDateField``."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Django 6.1's empty choice of every select, which its own German catalogue does not
# translate yet: listed here so that the product's catalogue (looked up first) does.
gettext_noop("- Select an option -")

# The dates the product accepts anywhere: in filters, forms and imported files.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2199, 12, 31)

_MAX_ID_DIGITS = 19  # 2**63 - 1 has 19 digits
_MAX_ID = 2**63 - 1


def plausible_id(value) -> bool:
    """True for a non-negative integer id that fits a 64-bit database column."""
    text = str(value).strip()
    return (
        text.isascii() and text.isdigit() and len(text) <= _MAX_ID_DIGITS and int(text) <= _MAX_ID
    )


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not plausible_id(value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        if isinstance(value, (list, tuple)):
            for pk in value:
                if not plausible_id(pk):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)


class BoundedDateField(forms.DateField):
    """A date between EARLIEST_DATE and LATEST_DATE, so a filter can step a day, a month
    or a quarter either way without leaving the calendar."""

    default_error_messages = {
        "out_of_range": _("Enter a date between %(earliest)s and %(latest)s."),
    }

    def validate(self, value):
        super().validate(value)
        if value and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"earliest": EARLIEST_DATE.year, "latest": LATEST_DATE.year},
            )


# Every date filter names its ends the same way: the first and the last day, both included
# (core.periods.Period.through turns them into a period).
FIRST_DAY_LABEL = _("From")
LAST_DAY_LABEL = _("To (inclusive)")


def day_field(label) -> BoundedDateField:
    """An optional date filter field with the browser's date picker."""
    return BoundedDateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def check_day_order(form: forms.Form, data: dict, first: str = "start", last: str = "end"):
    """Adds an error at ``last`` when both days are given and it lies before ``first``."""
    if data.get(first) and data.get(last) and data[last] < data[first]:
        form.add_error(last, _("The last day lies before the first."))
