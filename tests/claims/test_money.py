"""Amounts shown the French way (1 234,56 €; XPF without decimals)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template

from claims.money import format_money, format_quantity

D = Decimal


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [
        (D("1234.56"), "EUR", "1\u202f234,56\u00a0€"),
        (D("0.5"), "EUR", "0,50\u00a0€"),
        (D("1234567.005"), "EUR", "1\u202f234\u202f567,01\u00a0€"),
        (D("59665.87"), "XPF", "59\u202f666\u00a0XPF"),
        (D("999"), "XPF", "999\u00a0XPF"),
        (None, "EUR", "—"),
    ],
)
def test_money_is_shown_the_french_way(value, currency, text):
    assert format_money(value, currency) == text


def test_the_money_filter_uses_the_deployment_currency(settings):
    settings.CURRENCY = "XPF"
    rendered = Template("{% load money %}{{ a|money }} {{ a|money:'EUR' }}").render(
        Context({"a": D("1234.5")})
    )
    assert rendered == "1\u202f235\u00a0XPF 1\u202f234,50\u00a0€"


def test_quantities_show_the_french_way_without_trailing_zeros():
    assert format_quantity(Decimal("6.50")) == "6,5"
    assert format_quantity(Decimal("100.00")) == "100"
    assert format_quantity(Decimal("0.25")) == "0,25"
    assert format_quantity(12) == "12"
    assert format_quantity(None) == "—"
