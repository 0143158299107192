"""The platform's counts compared with each claim's declaration: the
queue's « Comptage de la plateforme » filter (conforme / différent / absent),
the review page, validating the agreeing claims at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import ClaimStatus
from tests import factories
from tests.claims.review_helpers import claim_in
from tests.claims.upstream.helpers import upstream_import as _import

pytestmark = pytest.mark.django_db

IMPORT = "admin:claims_upstreamcount_import"
QUEUE = "admin:claims_claim_changelist"


# ------------------------------------------------- comparing with the claims


@pytest.fixture
def three_claims(session, epreuve, people, manager):
    """Declared 40 copies each: recorded 40, recorded 41, nothing recorded."""
    agent, external = people
    third = factories.UserFactory(participant_number="A0009999")
    claims = [
        claim_in(
            ClaimStatus.SUBMITTED, who, manager, exam=epreuve.exam, epreuve=epreuve
        )
        for who in (agent, external, third)
    ]
    _import(
        session,
        "numero_intervenant;epreuve;copies\n"
        f"A0001234;PHILO;40\n{external.participant_number};PHILO;41\n",
        manager,
    )
    return claims


def _listed(client, **query) -> set[int]:
    response = client.get(reverse(QUEUE), query)
    assert response.status_code == 200
    return {claim.pk for claim in response.context["cl"].result_list}


def test_the_queue_filter_sorts_conforme_different_absent(manager_client, three_claims):
    agrees, differs, absent = three_claims
    assert _listed(manager_client, comptage="conforme") == {agrees.pk}
    assert _listed(manager_client, comptage="different") == {differs.pk}
    assert _listed(manager_client, comptage="absent") == {absent.pk}
    assert _listed(manager_client) == {c.pk for c in three_claims}


def test_a_count_per_mission_and_candidates_are_compared_too(
    manager_client, three_claims, session, manager
):
    agrees = three_claims[0]
    # A mission's count adds to its épreuve's: both must agree.
    _import(
        session,
        "numero_intervenant;mission;copies;candidats\n"
        f"A0001234;{agrees.assignment.mission_id};40;3\n",
        manager,
    )
    assert _listed(manager_client, comptage="different") == {
        agrees.pk,
        three_claims[1].pk,
    }


def test_the_review_page_shows_declared_and_recorded(manager_client, three_claims):
    agrees, differs, absent = three_claims
    page = manager_client.get(reverse("admin:claims_claim_change", args=[differs.pk]))
    text = page.content.decode()
    assert "Comptage de la plateforme" in text
    assert "Relevé par la plateforme" in text
    assert "<td>40</td><td>41" in text
    assert "<strong>différent</strong>" in text
    same = manager_client.get(reverse("admin:claims_claim_change", args=[agrees.pk]))
    assert "<td>conforme</td>" in same.content.decode()
    none = manager_client.get(reverse("admin:claims_claim_change", args=[absent.pk]))
    assert "Aucun comptage importé de la plateforme" in none.content.decode()


def test_the_participant_does_not_see_the_platform_counts(client, three_claims, people):
    client.force_login(people[0])
    page = client.get(reverse("claims:detail", args=[three_claims[0].pk]))
    assert page.status_code == 200
    assert "plateforme" not in page.content.decode()


def _queries(client, **query) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(QUEUE), query).status_code == 200
    return len(captured)


@pytest.mark.parametrize("value", ["conforme", "different", "absent"])
def test_the_filtered_queue_costs_the_same_queries_for_1_or_6_claims(
    manager_client, session, epreuve, manager, value
):
    def grow(count: int) -> None:
        for _n in range(count):
            who = factories.ExternalParticipantFactory()
            claim_in(
                ClaimStatus.SUBMITTED, who, manager, exam=epreuve.exam, epreuve=epreuve
            )
            copies = {"conforme": 40, "different": 39}.get(value)
            if copies is not None:
                _import(
                    session,
                    f"numero_intervenant;epreuve;copies\n{who.participant_number};PHILO;{copies}\n",
                    manager,
                )

    grow(1)
    _queries(manager_client, comptage=value)  # caches warmed
    one = _queries(manager_client, comptage=value)
    grow(5)
    assert len(_listed(manager_client, comptage=value)) == 6
    assert _queries(manager_client, comptage=value) == one


def test_the_division_validates_all_the_agreeing_claims_at_once(
    manager_client, three_claims, django_capture_on_commit_callbacks
):
    agrees, differs, absent = three_claims
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse(QUEUE) + "?comptage=conforme",
            {
                "action": "approve_selected",
                "select_across": "1",
                "_selected_action": [agrees.pk],
            },
        )
    assert response.status_code in (200, 302)
    for claim, status in (
        (agrees, ClaimStatus.APPROVED),
        (differs, ClaimStatus.SUBMITTED),
        (absent, ClaimStatus.SUBMITTED),
    ):
        claim.refresh_from_db()
        assert claim.status == status


def test_the_list_of_counts_costs_the_same_queries_for_1_or_6_rows(
    manager_client, session, epreuve, manager
):
    listing = reverse("admin:claims_upstreamcount_changelist")
    mission = factories.MissionFactory(exam=epreuve.exam, epreuve=epreuve)

    def grow(count: int) -> None:
        people = [factories.ExternalParticipantFactory() for _n in range(count)]
        rows = "".join(f"{p.participant_number};PHILO;3\n" for p in people)
        _import(session, "numero_intervenant;epreuve;copies\n" + rows, manager)
        rows = "".join(f"{p.participant_number};{mission.pk};3\n" for p in people)
        _import(session, "numero_intervenant;mission;copies\n" + rows, manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(listing).status_code == 200
        return len(captured)

    grow(1)
    queries()  # caches warmed
    one = queries()
    grow(5)
    page = manager_client.get(listing)
    assert len(page.context["cl"].result_list) == 12
    assert f"mission n° {mission.pk}" in page.content.decode()
    assert queries() == one


def test_the_list_of_counts_by_session(
    manager_client, session, epreuve, people, manager
):
    mission = factories.MissionFactory(exam=epreuve.exam, epreuve=epreuve)
    _import(session, "numero_intervenant;epreuve;copies\nA0001234;PHILO;3\n", manager)
    _import(
        session,
        f"numero_intervenant;mission;copies\nA0001234;{mission.pk};3\n",
        manager,
    )
    other = factories.ExamSessionFactory()
    listing = reverse("admin:claims_upstreamcount_changelist")
    for value, rows in ((session.pk, 2), (other.pk, 0), ("x' OR 1=1", 2)):
        page = manager_client.get(listing, {"session": value})
        assert page.status_code in (200, 302)
        if page.status_code == 200:
            assert len(page.context["cl"].result_list) == rows


def test_the_queue_leads_to_the_import_of_the_counts(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:claims_claim_changelist"))
    assert response.status_code == 200
    assert reverse("admin:claims_upstreamcount_import") in response.content.decode()
