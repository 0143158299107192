"""Expense claims, the travel they declare, and the rate tables that price them."""

from claims.models.claim import (
    CLAIM_TRANSITIONS,
    EDITABLE_BY_PARTICIPANT,
    Claim,
    ClaimLine,
    ClaimStatus,
)
from claims.models.documents import SupportingDocument
from claims.models.rates import Currency, Rate, RateKind, RateTable, RateZone
from claims.models.runs import ConvocationRun
from claims.models.travel import Meal, Night, Trip

__all__ = [
    "CLAIM_TRANSITIONS",
    "EDITABLE_BY_PARTICIPANT",
    "Claim",
    "ClaimLine",
    "ClaimStatus",
    "ConvocationRun",
    "Currency",
    "Meal",
    "Night",
    "Rate",
    "RateKind",
    "RateTable",
    "RateZone",
    "SupportingDocument",
    "Trip",
]
