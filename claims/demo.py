"""The demo académie's people and their claims at every stage (`seed_demo`).

Everything goes through the services, as people would have done it, and only
once: an object already there is left as it is, so loading the demo again
changes nothing and loses nothing.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.emails import email_address_set_by_staff
from accounts.models import ExternalParticipantRequest, FinancialFile, User
from accounts.roles import CENTRE_HEAD
from accounts.services import (
    external_request_submit,
    financial_file_mark_checked,
    financial_file_save,
)
from claims.models import Claim, PaymentBatch
from claims.services import (
    claim_approve,
    claim_step_save,
    claim_submit,
    convocation_issue,
    payment_batch_create,
)
from claims.steps import steps_for
from missions.certificates import CentreHead
from missions.certification import service_certify
from missions.models import Assignment, Centre, Mission
from missions.services import assignment_create

# The centre head's demo password (README's demo logins).
CENTRE_HEAD_PASSWORD = "demo-chef-2027"

# The smallest PDF a viewer opens: a blank page, standing in for a scanned RIB.
DEMO_RIB_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def convoke(participant: User, mission: Mission, *, by: User) -> None:
    if Assignment.objects.filter(mission=mission, participant=participant).exists():
        return
    # Demo history: these missions are already under way or over, outside
    # the declared availability, so they are recorded as overrides.
    assignment = assignment_create(
        mission=mission,
        participant=participant,
        by=by,
        override_reason="Données de démonstration (missions déjà convoquées)",
    )
    convocation_issue(assignment=assignment, by=by)


def financial_data(teacher: User, external: User) -> None:
    """A financial file for the teacher to check; a request waiting for review."""
    if not FinancialFile.objects.filter(user=teacher).exists():
        financial_file_save(
            user=teacher,
            by=teacher,
            holder="Paul Durand",
            iban="FR7630006000011234567890189",
            bic="AGRIFRPP",
        )
    if not ExternalParticipantRequest.objects.exists():
        external_request_submit(
            fields={
                "category": ExternalParticipantRequest.Category.PRIVATE,
                "last_name": "Petit",
                "first_name": "Jeanne",
                "birth_date": date(1968, 3, 14),
                "email": "jeanne.petit@exemple.invalid",
                "phone": "06 00 00 00 00",
                "address": "8 rue des Carmes",
                "postal_code": "76000",
                "commune_name": "Rouen",
                "employer": "Cabinet Petit, expertise comptable",
                "disciplines_taught": "Comptabilité, fiscalité",
                "holder": "Jeanne Petit",
                "iban": "FR7630006000011234567890189",
                "bic": "AGRIFRPP",
            },
            # What the request form hands over: an uploaded file.
            rib_document=SimpleUploadedFile(
                "rib-jeanne-petit.pdf", DEMO_RIB_PDF, content_type="application/pdf"
            ),
        )


def back_office_history(
    *,
    manager: User,
    teacher: User,
    oral: Mission,
    bts_correction: Mission,
    philo_correction: Mission,
) -> None:
    """Something on every back-office screen: the teacher's oral waiting in
    the queue, and a colleague's claims validated, one of them put into
    payment. Done through the services, once (a claim already started, or
    a batch already made, is left as it is)."""
    oral_claim = Claim.objects.get(
        assignment__mission=oral, assignment__participant=teacher
    )
    if not oral_claim.is_started:
        day = timezone.localdate(oral.starts_at)
        enter(
            oral_claim,
            teacher,
            service={"candidates_declared": 8, "hours_declared": 6},
            travel={
                "trips": [
                    {
                        "date": day,
                        "origin": "Rouen",
                        "destination": "Le Havre",
                        "mode": "car",
                        "fiscal_horsepower": 5,
                        "kilometres": 90,
                    }
                ],
                "meals": [{"date": day, "kind": "lunch"}],
            },
        )
    centres = [oral.centre, philo_correction.centre, bts_correction.centre]
    centre_head(centres, certified=oral_claim)
    if PaymentBatch.objects.exists():
        return
    colleague, created = User.objects.get_or_create(
        username="lmoreau",
        defaults={
            "first_name": "Lucie",
            "last_name": "Moreau",
            "email": "lucie.moreau@academie-demo.invalid",
            "commune": philo_correction.centre.commune,
            "establishment": philo_correction.centre.establishment,
        },
    )
    if created:
        colleague.set_unusable_password()  # a demo colleague, never signed in
        colleague.save(update_fields=["password"])
        email_address_set_by_staff(user=colleague, email=colleague.email, by=None)
        file = financial_file_save(
            user=colleague,
            by=colleague,
            holder="Lucie Moreau",
            iban="FR7630004000031234567890143",
            bic="BNPAFRPP",
        )
        financial_file_mark_checked(file=file, by=manager)
    claims = []
    for mission in (bts_correction, philo_correction):
        convoke(colleague, mission, by=manager)
        claim = Claim.objects.get(
            assignment__mission=mission, assignment__participant=colleague
        )
        if not claim.is_started:
            claim = enter(claim, colleague, service={"copies_declared": 38})
            claim = claim_approve(claim=claim, by=manager)
        claims.append(claim)
    payment_batch_create(claim_ids=[claims[0].pk], by=manager, label="Démonstration")


def centre_head(centres: list[Centre], *, certified: Claim) -> User:
    """The head of the demo's centres (login `chefcentre`), who certified the
    service done of `certified`'s participant, once."""
    head, created = User.objects.get_or_create(
        username="chefcentre",
        defaults={
            "first_name": "Marc",
            "last_name": "Lefèvre",
            "email": "chef.centre@academie-demo.invalid",
            "commune": centres[0].commune,
        },
    )
    if created:
        head.set_password(CENTRE_HEAD_PASSWORD)
        head.save(update_fields=["password"])
        email_address_set_by_staff(user=head, email=head.email, by=None)
        head.groups.add(Group.objects.get(name=CENTRE_HEAD))
        for centre in centres:
            CentreHead.objects.get_or_create(centre=centre, user=head)
        service_certify(assignments=[certified.assignment], present=True, by=head)
    return head


def enter(claim: Claim, participant: User, service, travel=None) -> Claim:
    """The participant answers every step, each with its own values, then
    validates."""
    given = {**service, **(travel or {})}
    for step in steps_for(claim):
        if not step.saves:
            continue
        own = {*step.fields(claim), *step.rows}
        claim = claim_step_save(
            claim=claim,
            by=participant,
            version=claim.version,
            step=step.identifier,
            values={name: value for name, value in given.items() if name in own},
            complete=True,
        )
    return claim_submit(claim=claim, by=participant, version=claim.version)[0]
