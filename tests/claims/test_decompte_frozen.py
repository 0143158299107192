"""Hand-worked décomptes in the database: the explanation of each line is
frozen at validation (`ClaimLine.detail`, one by one and in bulk), older
lines fall back to quantity × rate, what is paid in francs is the rounded
total, and a VAE jury member declares applications. The arithmetic itself:
test_decompte_cases.py.
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from claims import amounts, flow, selectors, services
from claims.exports import _amount
from claims.models import ClaimLine
from claims.services import bulk_review
from claims.steps.service import ServiceStep, blank_service_fields
from missions.models import Epreuve, Exam, MissionType
from tests import factories
from tests.claims.claim_inputs import D
from tests.claims.entry_helpers import convoke
from tests.claims.review_helpers import submitted
from tests.claims.test_decompte_cases import plain

pytestmark = pytest.mark.django_db


def _oral_claim(participant, manager, *, basis, minutes=20, vae=None):
    exam = factories.ExamFactory(vae_coefficient=vae)
    epreuve = factories.EpreuveFactory(
        exam=exam, form=Epreuve.Form.ORAL, minutes_per_candidate=minutes
    )
    mission_type = factories.MissionTypeFactory(payment_basis=basis)
    return convoke(
        participant, manager, exam=exam, epreuve=epreuve, mission_type=mission_type
    )


def _declare_candidates(claim, participant, candidates, *, submit=True):
    for identifier, values in (
        ("mission", {}),
        ("service", {"candidates_declared": candidates}),
    ):
        claim = services.claim_step_save(
            claim=claim,
            by=participant,
            version=claim.version,
            step=identifier,
            values=values,
            complete=True,
        )
    if not submit:
        return claim
    return services.claim_submit(claim=claim, by=participant, version=claim.version)[0]


def test_validation_freezes_the_explanation_of_each_line(
    participant, manager, settings
):
    settings.TRAVEL_ENABLED = False
    claim = _oral_claim(
        participant, manager, basis=MissionType.PaymentBasis.PER_CANDIDATE
    )
    claim = _declare_candidates(claim, participant, 7)
    live = selectors.claim_amounts(claim).lines[0]
    claim = services.claim_approve(claim=claim, by=manager)
    line = ClaimLine.objects.get(claim=claim)
    # 7 × 20 min = 2 h 20 min at 9,60 €: 22,40 €; the quantity kept to 2,33 h.
    assert (line.quantity, line.amount) == (D("2.33"), D("22.40"))
    assert line.detail == live.explanation
    assert plain(line.detail).startswith("7 candidats × 20 min = 2 h 20 min ; ")
    assert line.explanation == line.detail
    frozen = selectors.claim_amounts(claim)
    assert frozen.lines[0].explanation == line.detail
    assert claim.remuneration_amount == D("22.40")


def test_bulk_validation_freezes_the_explanation_too(participant, manager, settings):
    settings.TRAVEL_ENABLED = False
    claim = _oral_claim(
        participant,
        manager,
        basis=MissionType.PaymentBasis.PER_APPLICATION,
        vae=D("2"),
    )
    claim = _declare_candidates(claim, participant, 3)
    [outcome] = bulk_review.approve_chunk(claim_ids=[claim.pk], by=manager)
    assert outcome.ok, outcome.text
    line = ClaimLine.objects.get(claim=claim)
    # 3 applications × 9,60 € × 2 = 57,60 €.
    assert line.amount == D("57.60")
    assert plain(line.detail).startswith("3 dossiers de VAE × 19,20 € (9,60 € × 2,")


def test_lines_frozen_before_the_detail_explain_quantity_times_rate(
    participant, manager, settings
):
    settings.TRAVEL_ENABLED = False
    claim = submitted(convoke(participant, manager), participant, copies=12)
    claim = services.claim_approve(claim=claim, by=manager)
    ClaimLine.objects.filter(claim=claim).update(detail="")
    claim = selectors.claims_for_pricing().get(pk=claim.pk)
    assert plain(selectors.claim_amounts(claim).lines[0].explanation) == (
        "12 × 5,00 € = 60,00 €"
    )
    assert plain(claim.lines.get().explanation) == "12 × 5,00 € = 60,00 €"


def test_an_oral_without_its_time_per_candidate_is_not_priced(
    participant, manager, settings
):
    settings.TRAVEL_ENABLED = False
    claim = _oral_claim(
        participant,
        manager,
        basis=MissionType.PaymentBasis.PER_CANDIDATE,
        minutes=None,
    )
    claim = _declare_candidates(claim, participant, 7, submit=False)
    priced = selectors.claim_amounts(claim)
    assert priced.lines == ()
    assert priced.problems == (amounts.missing_epreuve_time(),)
    assert amounts.missing_epreuve_time() in amounts.division_problems()
    assert (
        "La durée d'interrogation par candidat de l'épreuve n'est pas renseignée"
        in (priced.problems[0])
    )


def test_in_francs_what_is_paid_is_the_rounded_total(participant, manager, settings):
    settings.TRAVEL_ENABLED = False
    settings.CURRENCY = "XPF"
    settings.TRAVEL_RATE_ZONE = "pacific"
    claim = submitted(convoke(participant, manager), participant, copies=3)
    claim = services.claim_approve(claim=claim, by=manager)
    assert claim.currency == "XPF"
    line = claim.lines.get()
    assert line.amount == D("1789.98")  # 3 × 596,6587: centimes kept
    assert (claim.remuneration_amount, claim.travel_amount) == (D(1790), D(0))
    assert claim.total_amount == D(1790)
    assert selectors.claim_amounts(claim).total == claim.total_amount
    assert _amount(claim.remuneration_amount, "XPF") == "1790"


def test_a_vae_jury_member_declares_applications(participant, manager, settings):
    settings.TRAVEL_ENABLED = False
    claim = _oral_claim(
        participant,
        manager,
        basis=MissionType.PaymentBasis.PER_APPLICATION,
        vae=D("1.5"),
    )
    assert flow.service_fields(claim) == ("candidates_declared",)
    form = ServiceStep().form(claim)
    assert form.fields["candidates_declared"].label == (
        "Nombre de dossiers de VAE examinés"
    )
    claim.candidates_declared = None
    assert blank_service_fields(claim) == {
        "candidates_declared": "Le nombre de dossiers de VAE examinés est à renseigner."
    }


@pytest.mark.parametrize(
    ("coefficient", "valid"),
    [("0.49", False), ("0.5", True), ("3", True), ("3.01", False)],
)
def test_the_vae_coefficient_is_between_half_and_three(coefficient, valid):
    exam = factories.ExamFactory.build(
        session=factories.ExamSessionFactory(), vae_coefficient=Decimal(coefficient)
    )
    if valid:
        exam.full_clean()
    else:
        with pytest.raises(ValidationError) as refused:
            exam.full_clean()
        assert "vae_coefficient" in refused.value.message_dict


def test_the_demo_orals_have_their_time_and_one_diploma_a_vae_coefficient(db):
    call_command("seed_demo", stdout=StringIO())
    orals = Epreuve.objects.exclude(form=Epreuve.Form.WRITTEN)
    assert orals.exists()
    assert not orals.filter(minutes_per_candidate__isnull=True).exists()
    assert Exam.objects.filter(vae_coefficient=D("1.5")).count() == 1
    # The demo's validated claims were frozen with their computation in words.
    assert ClaimLine.objects.exists()
    assert not ClaimLine.objects.filter(detail="").exists()
