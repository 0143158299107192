"""Claims in every status, reached through the services as people would:
the participant enters and validates, the division decides and pays."""

from __future__ import annotations

from accounts.models import FinancialFile
from accounts.services import financial_file_mark_checked, financial_file_save
from claims import services, steps
from claims.models import Claim, ClaimStatus
from tests import factories

S = ClaimStatus
IBAN = "FR7630006000011234567890189"


def entered(claim: Claim, participant, copies: int = 40) -> Claim:
    """The participant answered every step (40 copies, no travel)."""
    for identifier, values in (
        ("mission", {}),
        ("service", {"copies_declared": copies}),
        ("deplacement", {"trips": [], "meals": [], "nights": []}),
    ):
        # What this claim's step asks for: no copies on a mission whose
        # amount the division enters.
        step = steps.registered(identifier)
        own = {*step.fields(claim), *step.rows}
        claim = services.claim_step_save(
            claim=claim,
            by=participant,
            version=claim.version,
            step=identifier,
            values={name: value for name, value in values.items() if name in own},
            complete=True,
        )
    return claim


def submitted(claim: Claim, participant, copies: int = 40) -> Claim:
    claim = entered(claim, participant, copies)
    return services.claim_submit(claim=claim, by=participant, version=claim.version)[0]


def checked_financial_file(participant, manager) -> FinancialFile:
    file = FinancialFile.objects.filter(user=participant).first()
    if file is None:
        file = financial_file_save(
            user=participant,
            by=participant,
            holder=participant.get_full_name(),
            iban=IBAN,
            bic="AGRIFRPP",
        )
    return financial_file_mark_checked(file=file, by=manager)


def drive(claim: Claim, status: str, participant, manager) -> Claim:
    """Bring a draft claim to `status` through the services."""
    if status in (S.DRAFT, S.NO_COST):
        return claim
    if status == S.NOT_PERFORMED:
        return services.claim_declare_not_performed(
            claim=claim, by=participant, version=claim.version, comment="Malade"
        )
    if status == S.CLOSED:
        claim = drive(claim, S.NOT_PERFORMED, participant, manager)
        return services.claim_close_not_performed(claim=claim, by=manager)
    if status == S.CANCELLED:
        return services.claim_cancel(claim=claim, by=manager, reason="Doublon")
    claim = submitted(claim, participant)
    if status == S.SUBMITTED:
        return claim
    if status == S.RETURNED:
        return services.claim_return(claim=claim, by=manager, reason="À revoir")
    claim = services.claim_approve(claim=claim, by=manager)
    if status == S.APPROVED:
        return claim
    checked_financial_file(participant, manager)
    batch = services.payment_batch_create(claim_ids=[claim.pk], by=manager).batch
    if status == S.PAID:
        services.payment_batch_export(batch=batch, by=manager)
        services.payment_batch_mark_paid(batch=batch, by=manager)
    return Claim.objects.get(pk=claim.pk)


def claim_in(status: str, participant, manager, **mission) -> Claim:
    """A new claim of `participant`, brought to `status`."""
    if status == S.NO_COST:
        mission.setdefault(
            "mission_type",
            factories.MissionTypeFactory(payment_basis="unpaid", travel_eligible=False),
        )
    assignment = factories.AssignmentFactory(
        participant=participant, mission=factories.MissionFactory(**mission)
    )
    claim = services.convocation_issue(assignment=assignment, by=manager)
    return drive(claim, status, participant, manager)
