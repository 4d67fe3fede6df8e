"""Model choice fields that refuse impossible ids with a form error.

Django's ModelChoiceField and ModelMultipleChoiceField pass a submitted id straight to the
database; an id beyond 64 bits makes SQLite raise OverflowError (a 500) instead of the
"not one of the available choices" error a person should see."""

from django import forms
from django.core.exceptions import ValidationError

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
