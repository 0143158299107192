"""The decisions offered on a claim's review page, one class each
(`catalogue`), dispatched by their URL name through `DECISIONS` (`base`)."""

from claims.admin.decisions import catalogue as catalogue  # registers them
from claims.admin.decisions.base import (
    DECISIONS,
    REFUSALS,
    ClaimDecision,
    DecisionPanel,
    decision_panels,
)
from claims.services.review import refusal_text

__all__ = [
    "DECISIONS",
    "REFUSALS",
    "ClaimDecision",
    "DecisionPanel",
    "decision_panels",
    "refusal_text",
]
