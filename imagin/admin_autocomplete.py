"""Back-office autocomplete boxes that survive a value no object has.

Django's autocomplete widgets look up the objects of the value they show
again; a posted value that is not an id (`"abc"`, a NUL byte, an id past
the column's range) made that lookup raise, and the page answered 500
instead of "select a valid choice". These widgets show only the values the
related key accepts; the form field still refuses the others with its
message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.admin.widgets import (
    AutocompleteMixin,
    AutocompleteSelect,
    AutocompleteSelectMultiple,
)

from imagin.admin import is_key

if TYPE_CHECKING:
    # What the mixin is mixed into, for the checker; at run time it stays a
    # plain mixin, put before the widget class.
    _Widget = AutocompleteMixin
else:
    _Widget = object


class _ValidValuesMixin(_Widget):
    def optgroups(
        self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None
    ):
        remote = self.field.remote_field
        to_field = getattr(remote, "field_name", None) or remote.model._meta.pk.name
        target = remote.model._meta.get_field(to_field)
        kept = [item for item in value if is_key(target, str(item))]
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
