"""Money: rounding to the currency's smallest unit, the CFP franc's fixed
parity, and the French way of showing amounts. Pure functions."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Fixed parity of the CFP franc (décret 98-1165): 1 € = 119,331 74 XPF.
XPF_PER_EUR = Decimal("119.33174")
QUANTUM = {"EUR": Decimal("0.01"), "XPF": Decimal("1")}
CURRENCY_SYMBOL = {"EUR": "€", "XPF": "XPF"}


def round_money(value: Decimal, currency: str) -> Decimal:
    """Half-up to the smallest unit of the currency (cent, or franc for XPF)."""
    return Decimal(value).quantize(QUANTUM[currency], rounding=ROUND_HALF_UP)


def convert(value: Decimal, from_currency: str, to_currency: str) -> Decimal:
    """Unrounded conversion at the fixed parity; only rounded on the line."""
    if from_currency == to_currency:
        return value
    if (from_currency, to_currency) == ("EUR", "XPF"):
        return value * XPF_PER_EUR
    if (from_currency, to_currency) == ("XPF", "EUR"):
        return value / XPF_PER_EUR
    raise ValueError(f"unknown currencies {from_currency} -> {to_currency}")


def format_quantity(value: Decimal | int | None) -> str:
    """A quantity the French way, without trailing zeros: '6,5' hours, '12'
    copies, '0,25' hour; '—' when unknown. The one formatter of quantities
    (pages, e-mails, PDFs, back-office)."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def format_money(value: Decimal | None, currency: str) -> str:
    """French display: '1 234,56 €', '1 235 XPF' (narrow no-break spaces)."""
    if value is None:
        return "—"
    rounded = round_money(value, currency)
    sign = "-" if rounded < 0 else ""
    units, _dot, cents = f"{abs(rounded):f}".partition(".")
    groups: list[str] = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    number = "\u202f".join(groups)
    if currency == "EUR":
        number = f"{number},{cents}"
    return f"{sign}{number}\u00a0{CURRENCY_SYMBOL[currency]}"
