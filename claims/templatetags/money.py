"""`{{ amount|money:claim.currency }}`: amounts the French way (1 234,56 €);
`{{ hours|quantity }}`: quantities the French way (6,5)."""

from __future__ import annotations

from django import template
from django.conf import settings

from claims.money import format_money, format_quantity

register = template.Library()


@register.filter
def money(value, currency: str = "") -> str:
    return format_money(value, currency or settings.CURRENCY)


@register.filter
def quantity(value) -> str:
    return format_quantity(value)
