"""Money: rounding to the currency's smallest unit, the CFP franc's fixed
parity, and the French way of showing amounts. Pure functions.

Rounding (the regulation; ARCHITECTURE.md "Interpretations"): a line is
rounded half-up to the cent in both currencies (`round_line`); what is paid
(a claim's remuneration and travel amounts) to the currency's unit
(`round_money`): the cent, or the franc for XPF, whose rates carry decimals
(52,05 F CFP per km) and whose lines keep them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Fixed parity of the CFP franc (décret 98-1165): 1 € = 119,331 74 XPF.
XPF_PER_EUR = Decimal("119.33174")
QUANTUM = {"EUR": Decimal("0.01"), "XPF": Decimal("1")}
CENT = Decimal("0.01")
CURRENCY_SYMBOL = {"EUR": "€", "XPF": "XPF"}


def round_money(value: Decimal, currency: str) -> Decimal:
    """Half-up to the smallest unit of the currency (cent, or franc for XPF)."""
    return Decimal(value).quantize(QUANTUM[currency], rounding=ROUND_HALF_UP)


def round_line(value: Decimal) -> Decimal:
    """A line's amount: half-up to the hundredth, in euros or in francs."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


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


def _grouped(value: Decimal, places: int, currency: str) -> str:
    """`value` already quantized, shown with `places` decimals (none: whole)."""
    sign = "-" if value < 0 else ""
    units, _dot, decimals = f"{abs(value):f}".partition(".")
    groups: list[str] = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    number = "\u202f".join(groups)
    if places:
        number = f"{number},{decimals[:places].ljust(places, '0')}"
    return f"{sign}{number}\u00a0{CURRENCY_SYMBOL[currency]}"


def format_money(value: Decimal | None, currency: str) -> str:
    """French display of an amount to pay: '1 234,56 €', '1 235 XPF' (narrow
    no-break spaces), rounded to the currency's unit."""
    if value is None:
        return "—"
    rounded = round_money(value, currency)
    return _grouped(rounded, 2 if currency == "EUR" else 0, currency)


def format_exact(value: Decimal, currency: str, most: int = 2) -> str:
    """An amount or a rate not rounded to the currency's unit: two decimals
    ('5,00 €', '1 925,85 XPF'), more where the figure has them, up to `most`
    ('596,6587 XPF', a euro rate converted), none for a whole number of francs
    ('2 864 XPF')."""
    exact = Decimal(value).quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_UP)
    if currency == "XPF" and exact == exact.to_integral_value():
        return _grouped(exact.quantize(Decimal(1)), 0, currency)
    places = max(2, -exact.normalize().as_tuple().exponent)  # type: ignore[operator]
    return _grouped(exact, min(places, most), currency)


def product_text(
    quantity: Decimal, unit_rate: Decimal, amount: Decimal, currency: str
) -> str:
    """'12 × 5,00 € = 60,00 €': a frozen line's computation when nothing more
    was kept of it (lines validated before the detail was written)."""
    return (
        f"{format_quantity(quantity)} × {format_exact(unit_rate, currency, 4)} "
        f"= {format_exact(amount, currency)}"
    )
