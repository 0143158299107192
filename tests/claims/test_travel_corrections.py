"""The division corrects a claim's travel lines (issue 21): who may, when,
what is priced, what the participant reads, and what a send-back gives back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.roles import CENTRE_HEAD
from claims import recap, selectors, services
from claims.models import Claim, ClaimStatus, Trip
from claims.plausibility import DUPLICATE_TRIP
from claims.services import TravelChange
from imagin import audit_sentences
from imagin.audit import AuditEvent
from missions.models import CentreHead
from tests import factories
from tests.claims.entry_helpers import page_text, pdf_text
from tests.claims.review_helpers import checked_financial_file
from tests.claims.travel_correction_helpers import (
    DECISION,
    a_duplicate_return,
    decision_url,
    review_url,
    row_data,
    travel_claim,
)

S = ClaimStatus
ACTION = "claims.claim.travel_corrected"


@pytest.fixture(autouse=True)
def with_travel(settings):
    settings.TRAVEL_ENABLED = True


@pytest.fixture
def claim(participant, manager):
    return travel_claim(participant, manager)


@pytest.fixture
def duplicate(participant, manager):
    return travel_claim(participant, manager, trips=a_duplicate_return)


def _km(claim: Claim, km: int, reason: str = "Distance Rouen–Évreux : 52 km"):
    trip = claim.trips.get()
    return services.claim_correct_travel(
        claim=claim,
        by=factories.ManagerFactory(),
        changes=[TravelChange("trip", trip.pk, values={"kilometres": km})],
        reason=reason,
    )


def _mileage(claim: Claim) -> list:
    return [line for line in selectors.claim_amounts(claim).lines if line.is_travel]


# ------------------------------------------------------------- the service


def test_a_km_correction_is_priced_with_the_retained_value_declared_beside(claim):
    before = selectors.claim_amounts(claim).travel
    corrected = _km(claim, 52)
    trip = Trip.objects.get(claim=claim)
    assert trip.kilometres == 52 and trip.declared["kilometres"] == 120
    assert trip.retained and trip.correction_reason.startswith("Distance")
    [line] = _mileage(corrected)
    assert line.quantity == 52
    assert selectors.claim_amounts(corrected).travel < before
    assert "kilomètres déclaré 120 km, retenu 52 km" in line.explanation
    assert "motif : Distance Rouen–Évreux : 52 km" in line.explanation
    assert corrected.status == S.SUBMITTED  # no status change
    # Validation freezes the words with the line.
    approved = services.claim_approve(claim=corrected, by=factories.ManagerFactory())
    frozen = approved.lines.get(kind="mileage")
    assert frozen.quantity == 52 and "déclaré 120 km, retenu 52 km" in frozen.detail


def test_a_struck_duplicate_leg_counts_for_nothing_and_reads_not_retained(
    duplicate, manager
):
    assert DUPLICATE_TRIP in duplicate.plausibility_codes
    train = duplicate.trips.get(mode=Trip.Mode.PUBLIC_TRANSPORT)
    with_train = selectors.claim_amounts(duplicate).travel
    corrected = services.claim_correct_travel(
        claim=duplicate,
        by=manager,
        changes=[TravelChange("trip", train.pk, retained=False)],
        reason="Retour déclaré deux fois (voiture et train)",
    )
    priced = selectors.claim_amounts(corrected)
    assert priced.travel == with_train - Decimal("32.00")
    [struck] = [line for line in priced.lines if line.kind == "public_transport"]
    assert struck.amount == 0
    assert struck.explanation == (
        "non retenu par la division des examens et concours — motif : Retour "
        "déclaré deux fois (voiture et train)"
    )
    train.refresh_from_db()
    assert not train.retained and train.fare == Decimal("32.00")  # kept, not deleted
    # The point to check goes with the duplicate.
    assert DUPLICATE_TRIP not in corrected.plausibility_codes
    approved = services.claim_approve(claim=corrected, by=factories.ManagerFactory())
    assert approved.travel_amount == with_train - Decimal("32.00")
    assert "non retenu" in approved.lines.get(kind="public_transport").detail


def test_the_audit_event_keeps_before_after_and_reads_in_french_and_english(
    claim, manager
):
    corrected = _km(claim, 52)
    event = AuditEvent.objects.for_object(corrected).get(action=ACTION)
    [line] = event.data["lines"]
    assert line["before"] == {"kilometres": 120} and line["after"] == {"kilometres": 52}
    assert event.data["reason"].startswith("Distance")
    named = audit_sentences.with_names(AuditEvent.objects.filter(pk=event.pk)).get()
    for language in ("fr", "en"):
        with translation.override(language):
            text = audit_sentences.sentence(named)
            assert ACTION not in text and "%(" not in text
            assert str(corrected.pk) in text and "1" in text
    with translation.override("fr"):
        assert "a corrigé les frais de déplacement de l'état de frais" in (
            audit_sentences.sentence(named)
        )


def test_only_another_manager_on_a_claim_validated_by_its_participant(
    participant, manager
):
    own = travel_claim(manager, factories.ManagerFactory())
    with pytest.raises(PermissionDenied):
        _correct_as(own, manager)
    draft = travel_claim(participant, manager, submit=False)
    with pytest.raises(ValidationError, match="statut actuel"):
        _correct_as(draft, manager)
    claim = travel_claim(participant, manager)
    approved = services.claim_approve(claim=claim, by=manager)
    with pytest.raises(ValidationError, match="statut actuel"):
        _correct_as(approved, factories.ManagerFactory())
    returned = services.claim_return(claim=approved, by=manager, reason="Revoir")
    with pytest.raises(ValidationError, match="statut actuel"):
        _correct_as(returned, manager)
    assert Trip.objects.get(claim=claim).declared is None
    # Any other manager of the division may.
    other = travel_claim(factories.UserFactory(), manager)
    assert _correct_as(other, factories.ManagerFactory()).status == S.SUBMITTED


def _correct_as(claim: Claim, by, km: int = 50) -> Claim:
    trip = Trip.objects.filter(claim=claim).first()
    return services.claim_correct_travel(
        claim=claim,
        by=by,
        changes=[TravelChange("trip", trip.pk, values={"kilometres": km})],
        reason="Distance",
    )


def test_refusals_leave_the_lines_as_they_were(claim, duplicate, manager):
    trip = claim.trips.get()
    other_claims_trip = duplicate.trips.first()
    for changes, reason, message in (
        ([TravelChange("trip", trip.pk, values={"kilometres": 5})], " ", "motif"),
        ([TravelChange("trip", other_claims_trip.pk)], "R", "rechargez"),
        ([TravelChange("bus", trip.pk)], "R", "inconnue"),
        ([TravelChange("trip", trip.pk, values={"claim": 1})], "R", "inconnue"),
        ([TravelChange("trip", trip.pk, values={"kilometres": -4})], "R", "kilom"),
        ([TravelChange("trip", trip.pk, values={"mode": "rocket"})], "R", "moyen"),
        ([TravelChange("trip", trip.pk, values={"origin": "a\x00"})], "R", "départ"),
        ([TravelChange("trip", trip.pk)], "R", "Rien n'a changé"),
        ([], "R", "Rien n'a changé"),
    ):
        with pytest.raises(ValidationError, match=message):
            services.claim_correct_travel(
                claim=claim, by=manager, changes=changes, reason=reason
            )
    trip.refresh_from_db()
    assert (trip.kilometres, trip.declared, trip.retained) == (120, None, True)
    assert not AuditEvent.objects.for_object(claim).filter(action=ACTION).exists()


def test_set_back_to_what_was_declared_a_line_is_no_longer_corrected(claim):
    _km(claim, 52)
    _km(Claim.objects.get(pk=claim.pk), 120, reason="Finalement exact")
    trip = Trip.objects.get(claim=claim)
    assert (trip.kilometres, trip.declared, trip.correction_reason) == (120, None, "")
    [line] = _mileage(Claim.objects.get(pk=claim.pk))
    assert "déclaré" not in line.explanation


def test_a_send_back_gives_the_participant_s_values_back(duplicate, manager):
    train = duplicate.trips.get(mode=Trip.Mode.PUBLIC_TRANSPORT)
    car = duplicate.trips.filter(mode=Trip.Mode.CAR).first()
    corrected = services.claim_correct_travel(
        claim=duplicate,
        by=manager,
        changes=[
            TravelChange("trip", train.pk, retained=False),
            TravelChange("trip", car.pk, values={"kilometres": 60}),
        ],
        reason="Doublon ; distance",
    )
    services.claim_return(claim=corrected, by=manager, reason="Revoyez le retour")
    assert list(
        Trip.objects.filter(claim=duplicate)
        .order_by("pk")
        .values_list("kilometres", "fare", "retained", "declared", "correction_reason")
    ) == [
        (172, None, True, None, ""),
        (172, None, True, None, ""),
        (None, Decimal("32.00"), True, None, ""),
    ]


def test_a_struck_car_leg_does_not_count_in_the_yearly_distance(participant, manager):
    first = travel_claim(participant, manager)
    trip = first.trips.get()
    services.claim_correct_travel(
        claim=first,
        by=manager,
        changes=[TravelChange("trip", trip.pk, retained=False)],
        reason="Pas de déplacement",
    )
    services.claim_approve(claim=Claim.objects.get(pk=first.pk), by=manager)
    assert selectors.counted_car_trips(participant.pk) == []


# ---------------------------------------------------------------- the pages


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def test_a_manager_strikes_a_leg_from_the_review_page(as_manager, duplicate):
    train = duplicate.trips.get(mode=Trip.Mode.PUBLIC_TRANSPORT)
    page = page_text(as_manager.get(review_url(duplicate)))
    assert "Corriger les frais de déplacement" in page
    assert 'value="Enregistrer la correction des déplacements"' in page
    data = row_data(duplicate, **{f"trip-{train.pk}-retained": None})
    data[f"{DECISION}-reason"] = "Retour déclaré deux fois"
    response = as_manager.post(decision_url(duplicate), data)
    assert response.status_code == 302
    train.refresh_from_db()
    assert not train.retained
    page = page_text(as_manager.get(review_url(duplicate)))
    assert "non retenu par la division des examens et concours" in page
    assert "motif : Retour déclaré deux fois" in page


def test_a_refused_form_says_why_and_keeps_everything_typed(as_manager, claim):
    trip = claim.trips.get()
    data = row_data(
        claim,
        **{f"trip-{trip.pk}-kilometres": "52", f"trip-{trip.pk}-date": ""},
    )
    data[f"{DECISION}-reason"] = "Mon motif détaillé"
    response = as_manager.post(decision_url(claim), data)
    assert response.status_code == 400
    text = page_text(response)
    assert "Corrigez les lignes signalées ci-dessous." in text
    assert "Indiquez la date, ou décochez « Retenu » pour l'écarter." in text
    assert "Mon motif détaillé" in text and 'value="52"' in text
    # Without a reason.
    data = row_data(claim, **{f"trip-{trip.pk}-kilometres": "52"})
    response = as_manager.post(decision_url(claim), data)
    assert response.status_code == 400
    assert "Le motif est obligatoire." in page_text(response)
    trip.refresh_from_db()
    assert (trip.kilometres, trip.declared) == (120, None)


def test_the_participant_reads_the_correction_on_the_claim_and_the_recap(
    client, participant, manager, claim
):
    checked_financial_file(participant, manager)
    corrected = _km(claim, 52)
    client.force_login(participant)
    text = page_text(client.get(reverse("claims:detail", args=[claim.pk])))
    assert "kilomètres déclaré 120 km, retenu 52 km" in text
    assert "motif : Distance Rouen–Évreux : 52 km" in text
    with translation.override("fr"):
        _name, content = recap.claim_recap_pdf(corrected)
    assert "déclaré 120 km, retenu 52 km" in pdf_text(content)


def test_the_decision_is_the_division_s(client, participant, outsider, claim):
    centre_head = factories.UserFactory()
    centre_head.groups.add(Group.objects.get(name=CENTRE_HEAD))
    CentreHead.objects.create(centre=claim.assignment.mission.centre, user=centre_head)
    trip = claim.trips.get()
    data = row_data(claim, **{f"trip-{trip.pk}-kilometres": "1"})
    data[f"{DECISION}-reason"] = "Moi"
    for someone in (participant, outsider, centre_head):
        client.force_login(someone)
        for response in (
            client.get(review_url(claim), follow=True),
            client.post(decision_url(claim), data, follow=True),
        ):
            assert response.status_code in (403, 404)
    trip.refresh_from_db()
    assert trip.kilometres == 120
    client.force_login(factories.ManagerFactory())
    assert client.get(decision_url(claim)).status_code == 405  # never by GET


def test_the_review_page_costs_the_same_queries_for_n_or_2n_travel_lines(
    as_manager, participant, manager, django_assert_max_num_queries
):
    def trips(count):
        def build(day):
            return [
                {**row, "kilometres": 10 + n}
                for n, row in enumerate(a_duplicate_return(day) * count)
            ]

        return build

    small = travel_claim(participant, manager, trips=trips(1))
    large = travel_claim(factories.UserFactory(), manager, trips=trips(2))
    for claim in (small, large):
        train = claim.trips.filter(mode=Trip.Mode.PUBLIC_TRANSPORT).first()
        services.claim_correct_travel(
            claim=claim,
            by=manager,
            changes=[TravelChange("trip", train.pk, retained=False)],
            reason="Doublon",
        )
    as_manager.get(review_url(small))  # the rate tables read once
    with django_assert_max_num_queries(100) as few:
        assert as_manager.get(review_url(small)).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        assert as_manager.get(review_url(large)).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_same_value_written_otherwise_is_no_change(duplicate, manager):
    train = duplicate.trips.get(mode=Trip.Mode.PUBLIC_TRANSPORT)
    with pytest.raises(ValidationError, match="Rien n'a changé"):
        services.claim_correct_travel(
            claim=duplicate,
            by=manager,
            changes=[TravelChange("trip", train.pk, values={"fare": Decimal("32")})],
            reason="Vérifié",
        )
    train.refresh_from_db()
    assert train.declared is None


def test_a_meal_at_half_rate_reads_declared_and_retained(participant, manager):
    claim = travel_claim(
        participant, manager, meals=lambda day: [{"date": day, "kind": "lunch"}]
    )
    meal = claim.meals.get()
    [full] = [line for line in _mileage(claim) if line.kind == "meal"]
    corrected = services.claim_correct_travel(
        claim=claim,
        by=manager,
        changes=[
            TravelChange("meal", meal.pk, values={"administrative_restaurant": True})
        ],
        reason="Cantine du lycée ouverte",
    )
    [half] = [line for line in _mileage(corrected) if line.kind == "meal"]
    assert half.amount * 2 == full.amount
    assert (
        "restaurant administratif ou assimilé disponible déclaré non, retenu oui"
        in half.explanation
    )
