"""The errors of a page's forms, for the summary at the top of the form
(the DSFR's error pattern, RGAA 11.10 and 11.11) and the page's title.

`{% form_errors form page.formsets as errors %}` lists every error of the
forms, formsets and lists of them given (anything else is skipped: a
template's missing variable is ""), in the order of the page: each form's
non-field errors, then its fields' errors in the order of its fields. A
field's error links to the element the field's message is attached to: its
input, or the fieldset of a group of radios or checkboxes (crispy_dsfr's
field.html gives that fieldset the field's id). `{% error_title form %}` is
"Erreur : " when there is one, for the start of the page's <title>.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django import template
from django.forms import BaseForm, BaseFormSet, BoundField, RadioSelect
from django.utils.translation import gettext

register = template.Library()


@dataclass(frozen=True)
class FormError:
    message: str
    label: str = ""
    # The id the summary's link points to; "" for an error of the whole form.
    target: str = ""


def _forms(items: tuple[object, ...]) -> Iterator[BaseForm | BaseFormSet]:
    for item in items:
        if isinstance(item, BaseForm | BaseFormSet):
            yield item
            if isinstance(item, BaseFormSet):
                yield from item.forms
        elif isinstance(item, list | tuple):
            # page.formsets: (part, formset) pairs.
            yield from _forms(tuple(item))


def field_target(field: BoundField) -> str:
    """Where a field's error is told: its fieldset for a group of radios or
    checkboxes (CheckboxSelectMultiple is a RadioSelect), else its input (the
    first one of a field drawn as several)."""
    if isinstance(field.field.widget, RadioSelect):
        return field.auto_id or ""
    return field.id_for_label or field.auto_id or ""


def _errors_of(form: BaseForm | BaseFormSet) -> Iterator[FormError]:
    if isinstance(form, BaseFormSet):
        for message in form.non_form_errors():
            yield FormError(str(message))
        return
    if not form.is_bound:
        return
    for message in form.non_field_errors():
        yield FormError(str(message))
    for field in form:
        for message in field.errors:
            if field.is_hidden:
                # Nothing on the page to go to: told as the form's own error.
                yield FormError(str(message))
            else:
                # "Label : message": a label ending a sentence loses its dot.
                label = str(field.label).rstrip(" .")
                yield FormError(str(message), label, field_target(field))


@register.simple_tag
def form_errors(*items: object) -> list[FormError]:
    return [error for form in _forms(items) for error in _errors_of(form)]


@register.simple_tag
def error_title(*items: object) -> str:
    """ "Erreur : " before the page's title when one of its forms has errors
    (RGAA 8.6: the title says the submit failed)."""
    return gettext("Erreur :") + " " if form_errors(*items) else ""
