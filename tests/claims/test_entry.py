"""The participant's claim entry: list, opening rules, steps, save and resume,
"mission non effectuée", validation, documents, sending back, recap PDFs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from claims import services, steps
from claims.models import Claim, Trip
from claims.services import ClaimChanged
from missions.models import MissionType
from tests.claims.entry_helpers import (
    TRAVEL_FORMS,
    complete,
    convoke,
    page_text,
    post_step,
    step_url,
)

# Most tests enter the jury work only; the travel tests turn it back on.
pytestmark = pytest.mark.usefixtures("without_travel")

# ------------------------------------------------------------------ list


def test_the_list_shows_each_convoked_mission_with_status_and_amount(
    signed_in, convoked_claim
):
    response = signed_in.get(reverse("claims:list"))
    content = response.content.decode()
    mission = convoked_claim.assignment.mission
    assert response.status_code == 200
    assert "Saisie états de frais mission" in content
    assert mission.exam.name in content and mission.centre.name in content
    assert "Mission en cours — à saisir" in content


def test_the_list_costs_the_same_queries_for_3_or_30_claims(
    signed_in, participant, manager, django_assert_max_num_queries
):
    for _ in range(3):
        convoke(participant, manager)
    # Once per session and per process, not per page: the session's refresh
    # stamp and the rate book's first read.
    signed_in.get(reverse("claims:list"))
    # 15: the page's count (pagination) is the one query a longer list adds.
    with django_assert_max_num_queries(15) as few:
        signed_in.get(reverse("claims:list"))
    for _ in range(27):
        convoke(participant, manager)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = signed_in.get(reverse("claims:list"))
    assert response.content.decode().count('<li class="fr-card') == 20  # one page


def test_the_list_filters_by_session_and_shows_only_ones_own_claims(
    signed_in, participant, outsider, manager
):
    mine = convoke(participant, manager, exam__session__name="Session 2027")
    other_session = convoke(participant, manager, exam__session__name="Session 2028")
    convoke(outsider, manager, exam__session__name="Session 2027")
    session = mine.assignment.mission.exam.session
    response = signed_in.get(reverse("claims:list"), {"session": session.pk})
    content = response.content.decode()
    assert f"n° {mine.pk}" in content
    assert f"n° {other_session.pk}" not in content
    assert content.count('<li class="fr-card') == 1
    # A session that is not one's own, or garbage, is ignored, never a 500.
    assert signed_in.get(reverse("claims:list"), {"session": "x"}).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, convoked_claim):
    for url in (
        reverse("claims:list"),
        reverse("claims:detail", args=[convoked_claim.pk]),
        step_url(convoked_claim, "service"),
        reverse("claims:pdf", args=[convoked_claim.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/comptes/login/" in response.url


def test_nobody_reaches_another_persons_claim(client, outsider, convoked_claim):
    client.force_login(outsider)
    pk = convoked_claim.pk
    for url in (
        reverse("claims:detail", args=[pk]),
        step_url(convoked_claim, "mission"),
        reverse("claims:not_performed", args=[pk]),
        reverse("claims:pdf", args=[pk]),
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(reverse("claims:submit", args=[pk]), {"version": 1}).status_code
        == 404
    )
    response = client.post(step_url(convoked_claim, "service"), {"version": 1})
    assert response.status_code == 404
    convoked_claim.refresh_from_db()
    assert convoked_claim.version == 1


# ---------------------------------------------------------- opening rules


def test_a_claim_opens_when_its_mission_starts(signed_in, participant, manager):
    soon = timezone.now() + timedelta(days=10)
    claim = convoke(
        participant, manager, starts_at=soon, ends_at=soon + timedelta(hours=3)
    )
    response = signed_in.get(reverse("claims:detail", args=[claim.pk]), follow=True)
    assert "ouvrira au début de la mission" in response.content.decode()
    assert signed_in.get(step_url(claim, "mission")).status_code == 302


def test_after_the_deadline_the_claim_is_read_only_and_says_whom_to_contact(
    signed_in, participant, manager, settings
):
    claim = convoke(participant, manager)
    session = claim.assignment.mission.exam.session
    session.claim_deadline = timezone.localdate() - timedelta(days=1)
    session.save()
    content = signed_in.get(reverse("claims:detail", args=[claim.pk])).content
    assert "date limite de saisie" in content.decode()
    assert settings.AUTHORITY_CONTACT in content.decode()
    with pytest.raises(ValidationError):
        services.claim_step_save(
            claim=claim,
            by=participant,
            version=1,
            step="service",
            values={},
            complete=False,
        )


def test_a_manager_entered_mission_is_read_only_with_the_reason(
    signed_in, participant, manager
):
    claim = convoke(
        participant,
        manager,
        mission_type__name="Surveillance",
        mission_type__payment_basis=MissionType.PaymentBasis.MANAGER_ENTERED,
    )
    content = signed_in.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "saisie directement par" in content


# ------------------------------------------------------------------ steps


def test_an_open_claim_resumes_at_its_first_incomplete_step(signed_in, convoked_claim):
    response = signed_in.get(reverse("claims:detail", args=[convoked_claim.pk]))
    assert response.url == step_url(convoked_claim, "mission")
    post_step(signed_in, convoked_claim, "mission", performed="yes")
    response = signed_in.get(reverse("claims:detail", args=[convoked_claim.pk]))
    assert response.url == step_url(convoked_claim, "service")


def test_the_service_is_prefilled_with_the_planned_volume(signed_in, convoked_claim):
    post_step(signed_in, convoked_claim, "mission", performed="yes")
    content = signed_in.get(step_url(convoked_claim, "service")).content.decode()
    assert "Nombre de copies corrigées" in content
    assert 'value="50"' in content


def test_a_later_step_cannot_be_reached_before_the_earlier_ones(
    signed_in, convoked_claim
):
    response = signed_in.get(step_url(convoked_claim, "recapitulatif"))
    assert response.url == step_url(convoked_claim, "mission")
    assert signed_in.get(step_url(convoked_claim, "nulle-part")).status_code == 404


def test_saving_keeps_invalid_values_as_typed_and_says_what_is_wrong(
    signed_in, convoked_claim
):
    post_step(signed_in, convoked_claim, "mission", performed="yes")
    response = post_step(
        signed_in, convoked_claim, "service", "enregistrer", copies_declared="4O"
    )
    assert response.status_code == 400
    assert "Saisissez un nombre entier" in response.content.decode()
    convoked_claim.refresh_from_db()
    assert convoked_claim.draft["service"] == {"copies_declared": ["4O"]}
    # Coming back later shows what was typed, with the message.
    content = signed_in.get(step_url(convoked_claim, "service")).content.decode()
    assert 'value="4O"' in content and "Saisissez un nombre entier" in content
    assert not steps.registered("service").is_completed(convoked_claim)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-3", "ne peut pas être négatif"),
        ("2001", "2000 au plus"),
        ("12,5", "nombre entier"),
    ],
)
def test_copies_are_whole_numbers_within_bounds(
    signed_in, convoked_claim, typed, message
):
    post_step(signed_in, convoked_claim, "mission", performed="yes")
    response = post_step(signed_in, convoked_claim, "service", copies_declared=typed)
    assert message in response.content.decode()
    convoked_claim.refresh_from_db()
    assert convoked_claim.copies_declared is None


def hourly_claim(participant, manager):
    return convoke(
        participant,
        manager,
        mission_type__name="Interrogation",
        mission_type__payment_basis=MissionType.PaymentBasis.PER_HOUR,
        mission_type__counts_candidates=True,
        planned_volume=6,
    )


def test_hours_are_quarter_hours_and_accept_a_comma(signed_in, participant, manager):
    claim = hourly_claim(participant, manager)
    post_step(signed_in, claim, "mission", performed="yes")
    response = post_step(
        signed_in, claim, "service", hours_declared="3,3", candidates_declared="8"
    )
    assert "au quart d'heure" in page_text(response)
    post_step(
        signed_in,
        claim,
        "service",
        hours_declared="3,75",
        candidates_declared="8",
        schedule="8 h – 11 h 45",
    )
    claim.refresh_from_db()
    assert (claim.hours_declared, claim.candidates_declared) == (Decimal("3.75"), 8)
    assert claim.schedule == "8 h – 11 h 45"
    assert claim.draft == {}


def test_continuing_with_a_blank_quantity_is_refused_with_the_reason(
    signed_in, convoked_claim
):
    post_step(signed_in, convoked_claim, "mission", performed="yes")
    response = post_step(signed_in, convoked_claim, "service", copies_declared="")
    assert response.status_code == 400
    assert "Le nombre de copies corrigées est à renseigner" in response.content.decode()


def test_retour_goes_back_keeping_what_was_typed(signed_in, convoked_claim):
    post_step(signed_in, convoked_claim, "mission", performed="yes")
    response = post_step(
        signed_in, convoked_claim, "service", "retour", copies_declared="37"
    )
    assert response.url == step_url(convoked_claim, "mission")
    convoked_claim.refresh_from_db()
    assert convoked_claim.copies_declared == 37


def test_the_summary_shows_each_line_and_the_total_in_french(signed_in, convoked_claim):
    complete(signed_in, convoked_claim)
    content = signed_in.get(step_url(convoked_claim, "recapitulatif")).content
    # Baccalauréat (taux 5): 42 copies at 5,00 € = 210,00 €.
    assert "Copies corrigées" in content.decode()
    assert "210,00\xa0€" in content.decode()


def test_a_stale_form_is_told_the_claim_changed_and_sees_both_values(
    signed_in, participant, convoked_claim
):
    complete(signed_in, convoked_claim, copies="40")
    convoked_claim.refresh_from_db()
    stale_version = convoked_claim.version
    # Another tab saves 45 ...
    services.claim_step_save(
        claim=convoked_claim,
        by=participant,
        version=stale_version,
        step="service",
        values={"copies_declared": 45},
        complete=False,
    )
    # ... and this one, opened before, saves 41.
    response = signed_in.post(
        step_url(convoked_claim, "service"),
        {"version": stale_version, "action": "enregistrer", "copies_declared": "41"},
    )
    content = response.content.decode()
    assert response.status_code == 409
    assert "modifié entre-temps" in content
    assert "<strong>45</strong>" in content and "<strong>41</strong>" in content
    convoked_claim.refresh_from_db()
    assert convoked_claim.copies_declared == 45


def test_travel_entries_are_saved_and_priced(signed_in, participant, manager, settings):
    settings.TRAVEL_ENABLED = True
    claim = convoke(participant, manager)
    Claim.objects.filter(pk=claim.pk).update(has_travel_part=True)
    complete(signed_in, claim)
    day = timezone.localdate(claim.assignment.mission.starts_at).isoformat()
    response = post_step(
        signed_in,
        claim,
        "deplacement",
        **TRAVEL_FORMS,
        **{
            "trajets-0-date": day,
            "trajets-0-origin": "Évreux",
            "trajets-0-destination": "Le Havre",
            "trajets-0-mode": "public_transport",
            "trajets-0-fare": "23,40",
            "repas-0-date": day,
            "repas-0-kind": "lunch",
            "nuitees-0-zone": "standard",
        },
    )
    assert response.url == step_url(claim, "recapitulatif")
    claim.refresh_from_db()
    trip = claim.trips.get()
    assert (trip.mode, trip.fare) == (Trip.Mode.PUBLIC_TRANSPORT, Decimal("23.40"))
    assert claim.meals.count() == 1 and claim.nights.count() == 0
    content = signed_in.get(step_url(claim, "recapitulatif")).content.decode()
    assert "Évreux → Le Havre" in content and "Déjeuner" in content


def test_changed_claim_error_carries_the_current_claim(participant, convoked_claim):
    with pytest.raises(ClaimChanged) as changed:
        services.claim_step_save(
            claim=convoked_claim,
            by=participant,
            version=99,
            step="mission",
            values={},
            complete=True,
        )
    assert changed.value.current.pk == convoked_claim.pk


def test_a_stale_travel_form_sees_the_saved_and_the_typed_entries(
    signed_in, participant, manager, settings
):
    settings.TRAVEL_ENABLED = True
    claim = convoke(participant, manager)
    Claim.objects.filter(pk=claim.pk).update(has_travel_part=True)
    complete(signed_in, claim)
    claim.refresh_from_db()
    stale_version = claim.version
    services.claim_step_save(
        claim=claim,
        by=participant,
        version=stale_version,
        step="deplacement",
        values={"trips": [{"origin": "Rouen", "destination": "Caen"}]},
        complete=False,
    )
    response = signed_in.post(
        step_url(claim, "deplacement"),
        {
            "version": stale_version,
            "action": "enregistrer",
            **TRAVEL_FORMS,
            "trajets-0-origin": "Évreux",
            "trajets-0-destination": "Le Havre",
            "repas-0-kind": "lunch",
            "nuitees-0-zone": "standard",
        },
    )
    content = page_text(response)
    assert response.status_code == 409
    assert "Rouen → Caen" in content and "Évreux Le Havre" in content
    assert claim.trips.get().origin == "Rouen"
