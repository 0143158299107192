"""Expense claims, the travel they declare, the rate tables that price them,
and the managers' work queues."""

from claims.models.claim import (
    CLAIM_TRANSITIONS,
    EDITABLE_BY_PARTICIPANT,
    IN_A_BATCH,
    Claim,
    ClaimLine,
    ClaimStatus,
)
from claims.models.documents import SupportingDocument
from claims.models.notifications import PendingNotification
from claims.models.payments import (
    PAYMENT_BATCH_TRANSITIONS,
    PaymentBatch,
    PaymentBatchStatus,
)
from claims.models.rates import Currency, Rate, RateKind, RateTable, RateZone
from claims.models.reminders import ClaimReminder
from claims.models.runs import ConvocationRun
from claims.models.travel import Meal, Night, Trip
from claims.models.upstream import UpstreamCount
from claims.models.work_queues import WorkQueue, WorkQueueSubscription

__all__ = [
    "CLAIM_TRANSITIONS",
    "EDITABLE_BY_PARTICIPANT",
    "IN_A_BATCH",
    "PAYMENT_BATCH_TRANSITIONS",
    "Claim",
    "ClaimLine",
    "ClaimReminder",
    "ClaimStatus",
    "ConvocationRun",
    "Currency",
    "Meal",
    "Night",
    "PaymentBatch",
    "PaymentBatchStatus",
    "PendingNotification",
    "Rate",
    "RateKind",
    "RateTable",
    "RateZone",
    "SupportingDocument",
    "Trip",
    "UpstreamCount",
    "WorkQueue",
    "WorkQueueSubscription",
]
