"""Writes on expense claims, one module per concern:

- `convocations`: a convocation opens its claim;
- `entry`: the participant saves, validates, declares a mission not
  performed, attaches supporting documents;
- `review`: the exam division's decisions (validate, send back, correct,
  cancel, restore, close, enter an amount), with their guards;
- `travel_review`: the division corrects or strikes travel lines, the
  participant's values kept beside;
- `bulk_review`: validating many claims at once, set-based, with the same
  guards, and its background task;
- `payments`: payment batches, their export and payment;
- `work_queues`: the managers' saved filters of the claims queue and their
  subscriptions.

Each service takes the acting user, runs in one transaction on locked rows,
checks the transition table and appends an audit event.
"""

from claims.services.convocations import convocation_issue
from claims.services.entry import (
    DOCUMENTS_OPEN,
    ClaimChanged,
    claim_declare_not_performed,
    claim_step_save,
    claim_submit,
    document_add,
)
from claims.services.payments import (
    BatchOutcome,
    claims_payable_until,
    payable_refusal,
    payment_batch_cancel,
    payment_batch_create,
    payment_batch_export,
    payment_batch_mark_paid,
)
from claims.services.review import (
    Decision,
    can_decide,
    claim_approve,
    claim_cancel,
    claim_close_not_performed,
    claim_correct,
    claim_enter_amount,
    claim_restore,
    claim_return,
    correctable_fields,
)
from claims.services.travel_review import TravelChange, claim_correct_travel
from claims.services.work_queues import (
    work_queue_change,
    work_queue_create,
    work_queue_delete,
    work_queue_subscribe,
    work_queue_unsubscribe,
)

__all__ = [
    "DOCUMENTS_OPEN",
    "BatchOutcome",
    "ClaimChanged",
    "Decision",
    "TravelChange",
    "can_decide",
    "claim_approve",
    "claim_cancel",
    "claim_close_not_performed",
    "claim_correct",
    "claim_correct_travel",
    "claim_declare_not_performed",
    "claim_enter_amount",
    "claim_restore",
    "claim_return",
    "claim_step_save",
    "claim_submit",
    "claims_payable_until",
    "convocation_issue",
    "correctable_fields",
    "document_add",
    "payable_refusal",
    "payment_batch_cancel",
    "payment_batch_create",
    "payment_batch_export",
    "payment_batch_mark_paid",
    "work_queue_change",
    "work_queue_create",
    "work_queue_delete",
    "work_queue_subscribe",
    "work_queue_unsubscribe",
]
