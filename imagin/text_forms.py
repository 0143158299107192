"""Forms whose text fields refuse control characters, with one clear message.

Django's text fields refuse a NUL byte only, with a terse message; other
control characters (an escape, a form feed pasted from a PDF) would be saved
and printed on documents. `PrintableFormMixin` gives every text field of a
form `imagin.text.validate_printable` instead, so each such character is
refused next to its field and what was typed is shown again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from imagin.text import validate_printable


def refuse_control_characters(fields: dict[str, forms.Field]) -> None:
    """Give each text field `validate_printable` in place of Django's NUL check."""
    for field in fields.values():
        if isinstance(field, forms.CharField) and (
            validate_printable not in field.validators
        ):
            field.validators = [
                validator
                for validator in field.validators
                if not isinstance(validator, ProhibitNullCharactersValidator)
            ] + [validate_printable]


if TYPE_CHECKING:
    # What the mixin is mixed into, for the checker; at run time it stays a
    # plain mixin, put before the form class.
    _Form = forms.BaseForm
else:
    _Form = object


class PrintableFormMixin(_Form):
    """A form whose text fields refuse control characters (see above)."""

    def full_clean(self) -> None:
        refuse_control_characters(self.fields)
        return super().full_clean()
