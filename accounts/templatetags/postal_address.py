"""{{ person|postal_lines }}: the lines of a postal address (accounts.postal)."""

from __future__ import annotations

from typing import Any

from django import template

from accounts import postal

register = template.Library()


@register.filter
def postal_lines(person: Any) -> list[str]:
    return postal.postal_lines(person)
