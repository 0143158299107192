"""Back-office autocomplete boxes that survive a value no object has.

Django's autocomplete widgets look up the objects of the value they show
again; a posted value that is not an id (`"abc"`, a NUL byte, an id past
the column's range) made that lookup raise, and the page answered 500
instead of "select a valid choice". These widgets show only the values the
related key accepts; the form field still refuses the others with its
message.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.widgets import (
    AutocompleteSelect,
    AutocompleteSelectMultiple,
)
from django.core.exceptions import ValidationError
from django.db import connections


class _ValidValuesMixin:
    field: Any

    def optgroups(self, name: str, value: list, attr: dict | None = None):
        remote = self.field.remote_field
        to_field = getattr(remote, "field_name", None) or remote.model._meta.pk.name
        target = remote.model._meta.get_field(to_field)
        bounds = connections[self.db or "default"].ops.integer_field_range(
            target.get_internal_type()
        )
        kept = []
        for item in value:
            try:
                key = target.to_python(item)
            except (ValidationError, TypeError, ValueError):
                continue
            # An id past the column's range: looking it up overflows.
            if isinstance(key, int) and not (
                (bounds[0] is None or key >= bounds[0])
                and (bounds[1] is None or key <= bounds[1])
            ):
                continue
            kept.append(item)
        return super().optgroups(name, kept, attr)


class SafeAutocompleteSelect(_ValidValuesMixin, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_ValidValuesMixin, AutocompleteSelectMultiple):
    pass


class SafeAutocompleteMixin:
    """A ModelAdmin whose `autocomplete_fields` use the widgets above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
