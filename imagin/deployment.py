"""The settings that differ between académies (authority, currency, travel,
reminders, the texts a deployment writes), read from the environment.

Imported by imagin/settings.py, which stays the one place settings are read;
README.md ("Configuration") lists every variable.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

AUTHORITY_NAME = env.str("AUTHORITY_NAME", default="Académie de démonstration")
AUTHORITY_CONTACT = env.str(
    "AUTHORITY_CONTACT",
    default="Division des examens et concours — dec@academie-demo.invalid",
)
# The authority's reference printed under its name on the yearly statement of
# payments (what a tax office may ask for: the paying service, its SIRET).
AUTHORITY_REFERENCE = env.str(
    "AUTHORITY_REFERENCE",
    default="Rectorat de l'académie de démonstration — service de la paye des "
    "intervenants — SIRET 000 000 000 00000 (démonstration)",
)
# Months between a payment batch's export and the pay it is part of: the
# participant is told the expected payment month.
PAYMENT_DELAY_MONTHS = env.int("PAYMENT_DELAY_MONTHS", default=2)
if not 0 <= PAYMENT_DELAY_MONTHS <= 12:
    raise ImproperlyConfigured("PAYMENT_DELAY_MONTHS is a number of months, 0 to 12.")
# Whether the division's validation of a claim waits for the centre head's
# certificate of service done (constat de service fait).
SERVICE_FAIT_REQUIRED = env.bool("SERVICE_FAIT_REQUIRED", default=False)
# Printed at the foot of convocations, above nothing else: who signs.
CONVOCATION_SIGNATURE = env.str(
    "CONVOCATION_SIGNATURE",
    default="Pour le recteur et par délégation, "
    "le chef de la division des examens et concours",
)
CURRENCY = env.str("CURRENCY", default="EUR").upper()
if CURRENCY not in {"EUR", "XPF"}:
    raise ImproperlyConfigured(f"CURRENCY must be EUR or XPF, not {CURRENCY!r}.")
TRAVEL_ENABLED = env.bool("TRAVEL_ENABLED", default=True)
# Where travel is not claimed here (TRAVEL_ENABLED=false), how it is refunded:
# shown on the claim, the home page and in the guide.
TRAVEL_ELSEWHERE_TEXT = env.str(
    "TRAVEL_ELSEWHERE_TEXT",
    default="Les frais de déplacement ne sont pas saisis sur IMAG'IN : remplissez "
    "le formulaire de mission « papier » et transmettez-le, accompagné des "
    "pièces justificatives, à la division des examens et concours.",
)
# Which travel rates apply (mileage, meals, nights differ overseas); jury rates
# are national. The CFP franc implies the Pacific unless told otherwise.
TRAVEL_RATE_ZONE = env.str(
    "TRAVEL_RATE_ZONE", default="pacific" if CURRENCY == "XPF" else "mainland"
)
if TRAVEL_RATE_ZONE not in {"mainland", "pacific", "wallis"}:
    raise ImproperlyConfigured(
        "TRAVEL_RATE_ZONE must be mainland, pacific or wallis, "
        f"not {TRAVEL_RATE_ZONE!r}."
    )
FINANCIAL_FILE_VALIDITY_MONTHS = env.int("FINANCIAL_FILE_VALIDITY_MONTHS", default=24)
# Reminders of claims still to complete, so many days before the session's
# deadline (`manage.py send_claim_reminders`, run daily).
try:
    CLAIM_REMINDER_DAYS = sorted(
        {
            int(days)
            for days in env.list("CLAIM_REMINDER_DAYS", default=["14", "3"])
            if days.strip()
        },
        reverse=True,
    )
except ValueError:
    CLAIM_REMINDER_DAYS = [-1]
if any(days < 0 for days in CLAIM_REMINDER_DAYS):
    raise ImproperlyConfigured(
        "CLAIM_REMINDER_DAYS is a list of days before the deadline, e.g. 14,3."
    )
# Hours a file written for one download (a back-office list exported in the
# background, the yearly statements' ZIP) stays in private storage before
# `manage.py purge_exports` removes it (imagin/export_retention.py).
EXPORT_RETENTION_HOURS = env.int("EXPORT_RETENTION_HOURS", default=72)
if not 1 <= EXPORT_RETENTION_HOURS <= 24 * 366:
    raise ImproperlyConfigured(
        "EXPORT_RETENTION_HOURS is a number of hours, 1 to 8784 (a year)."
    )
# Payroll needs the social security number (NIR) in some académies only.
FINANCIAL_FILE_REQUIRES_NIR = env.bool("FINANCIAL_FILE_REQUIRES_NIR", default=False)

# Processes laying out PDFs in parallel during a convocation run (0: one per
# core; 1: none, render in the worker itself).
PDF_WORKERS = env.int("PDF_WORKERS", default=0)
# The académie's texts for the legal pages (legal notice, personal data,
# accessibility statement and its audit): a TOML file, the demo one by default
# (imagin/legal/demo.toml documents each key).
LEGAL_CONTENT_FILE = Path(
    env.str(
        "LEGAL_CONTENT_FILE",
        default=str(Path(__file__).resolve().parent / "legal" / "demo.toml"),
    )
)
