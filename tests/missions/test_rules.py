"""Who may be assigned to a mission, and the manager's override."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from imagin.audit import AuditEvent
from missions.models import (
    Assignment,
    Availability,
    Competence,
    ConvocationStatus,
    Epreuve,
)
from missions.rules import half_days, rank_candidates, refusal_reasons
from missions.services import assignment_create, assignment_withdraw
from tests import factories

TZ = timezone.get_current_timezone()


def at(day_offset: int, hour: int) -> datetime:
    base = timezone.localdate() + timedelta(days=30 + day_offset)
    return datetime(base.year, base.month, base.day, hour, tzinfo=TZ)


@pytest.fixture
def mission(db):
    return factories.MissionFactory(
        starts_at=at(0, 8), ends_at=at(0, 12), epreuve__form=Epreuve.Form.WRITTEN
    )


def ready(participant, mission, *, halves=("am",)):
    """Competent and available for the mission."""
    Competence.objects.create(participant=participant, epreuve=mission.epreuve)
    for half in halves:
        Availability.objects.create(
            participant=participant,
            session=mission.exam.session,
            date=timezone.localdate(mission.starts_at),
            half_day=half,
        )
    return participant


def test_half_days_of_a_mission():
    day = at(0, 8).date()
    assert half_days(at(0, 8), at(0, 12)) == [(day, "am")]
    assert half_days(at(0, 14), at(0, 18)) == [(day, "pm")]
    assert half_days(at(0, 8), at(0, 18)) == [(day, "am"), (day, "pm")]
    assert half_days(at(0, 14), at(1, 10)) == [
        (day, "pm"),
        (day + timedelta(days=1), "am"),
    ]


def test_a_competent_available_participant_is_eligible(mission, participant):
    ready(participant, mission)
    assert refusal_reasons(mission, participant) == []


def test_not_competent(mission, participant):
    ready(participant, mission)
    Competence.objects.filter(participant=participant).delete()
    assert any("compétences" in r for r in refusal_reasons(mission, participant))


def test_not_available_on_every_half_day(participant):
    mission = factories.MissionFactory(starts_at=at(0, 8), ends_at=at(0, 18))
    ready(participant, mission, halves=("am",))
    assert any("disponible" in r for r in refusal_reasons(mission, participant))


def test_already_on_an_overlapping_mission(mission, participant, manager):
    ready(participant, mission)
    other = factories.MissionFactory(starts_at=at(0, 10), ends_at=at(0, 11))
    Assignment.objects.create(mission=other, participant=participant)
    reasons = refusal_reasons(mission, participant)
    assert any("chevauche" in r for r in reasons)
    # A withdrawn assignment does not count.
    Assignment.objects.filter(mission=other).update(status=ConvocationStatus.WITHDRAWN)
    assert refusal_reasons(mission, participant) == []


def test_load_limit_for_the_session(mission, participant):
    ready(participant, mission)
    participant.load_limit = 1
    participant.save()
    other = factories.MissionFactory(
        exam=mission.exam, starts_at=at(3, 8), ends_at=at(3, 12)
    )
    Assignment.objects.create(mission=other, participant=participant)
    assert any("limite de 1" in r for r in refusal_reasons(mission, participant))


def test_nobody_examines_an_oral_in_their_own_establishment(participant):
    mission = factories.MissionFactory(
        starts_at=at(0, 8),
        ends_at=at(0, 12),
        epreuve__form=Epreuve.Form.ORAL,
        centre__establishment=participant.establishment,
    )
    ready(participant, mission)
    assert any(
        "propre établissement" in r for r in refusal_reasons(mission, participant)
    )
    # A written correction there is fine.
    Epreuve.objects.filter(pk=mission.epreuve_id).update(form=Epreuve.Form.WRITTEN)
    assert refusal_reasons(mission, participant) == []


def test_a_rule_break_is_refused_with_the_reason(mission, participant, manager):
    with pytest.raises(ValidationError) as refused:
        assignment_create(mission=mission, participant=participant, by=manager)
    assert "Paul Durand n'a pas déclaré cette épreuve" in refused.value.messages[0]
    assert not Assignment.objects.exists()


def test_an_override_is_recorded_with_its_reason(mission, participant, manager):
    assignment = assignment_create(
        mission=mission,
        participant=participant,
        by=manager,
        override_reason="  Remplacement urgent  ",
    )
    assert assignment.override_reason == "Remplacement urgent"
    event = AuditEvent.objects.for_object(assignment).get()
    assert event.data["override_reason"] == "Remplacement urgent"
    assert event.data["rules"]


def test_assigning_twice_keeps_one_assignment_and_withdrawing_frees_the_place(
    mission, participant, manager
):
    ready(participant, mission)
    first = assignment_create(mission=mission, participant=participant, by=manager)
    assert (
        assignment_create(mission=mission, participant=participant, by=manager) == first
    )
    assignment_withdraw(assignment=first, by=manager)
    first.refresh_from_db()
    assert first.status == ConvocationStatus.WITHDRAWN
    again = assignment_create(mission=mission, participant=participant, by=manager)
    assert again.pk == first.pk and again.status == ConvocationStatus.ASSIGNED


def test_a_convoked_participant_is_not_withdrawn_silently(convoked_claim, manager):
    with pytest.raises(ValidationError, match="déjà convoqué"):
        assignment_withdraw(assignment=convoked_claim.assignment, by=manager)


def test_ranking_puts_the_least_loaded_first_and_explains_exclusions(mission, manager):
    busy = ready(factories.UserFactory(last_name="Aubert"), mission)
    free = ready(factories.UserFactory(last_name="Zola"), mission)
    other = factories.MissionFactory(
        exam=mission.exam, starts_at=at(5, 8), ends_at=at(5, 9)
    )
    Assignment.objects.create(mission=other, participant=busy)
    stranger = factories.UserFactory(last_name="Martin")
    Availability.objects.create(
        participant=stranger,
        session=mission.exam.session,
        date=at(0, 8).date(),
        half_day="am",
    )
    staffing = rank_candidates(mission)
    assert [c.participant for c in staffing.eligible] == [free, busy]
    assert [c.participant for c in staffing.excluded] == [stranger]
    assert staffing.excluded[0].reasons
    assignment_create(mission=mission, participant=free, by=manager)
    staffing = rank_candidates(mission)
    assert [c.participant for c in staffing.assigned] == [free]
    assert staffing.staffed == 1


@pytest.mark.parametrize("count", [10, 500])
def test_the_candidates_page_costs_a_fixed_number_of_queries(
    client, manager, mission, count, django_assert_max_num_queries
):
    people = factories.UserFactory.create_batch(count)
    Competence.objects.bulk_create(
        Competence(participant=p, epreuve=mission.epreuve) for p in people
    )
    Availability.objects.bulk_create(
        Availability(
            participant=p,
            session=mission.exam.session,
            date=at(0, 8).date(),
            half_day="am",
        )
        for p in people[::2]
    )
    for person in people[:3]:
        Assignment.objects.create(
            mission=factories.MissionFactory(starts_at=at(0, 9), ends_at=at(0, 10)),
            participant=person,
        )
    client.force_login(manager)
    with django_assert_max_num_queries(20):
        response = client.get(
            f"/gestion/missions/mission/{mission.pk}/affecter/?tous=1"
        )
    assert response.status_code == 200
    assert response.content.decode().count("Affecter avec dérogation") >= count // 2


def test_the_assignment_page_assigns_and_refuses_with_reasons(
    client, manager, mission, participant
):
    client.force_login(manager)
    url = f"/gestion/missions/mission/{mission.pk}/affecter/"
    response = client.post(
        url, {"action": "assign", "participant": participant.pk}, follow=True
    )
    assert "Affectation refusée" in response.content.decode()
    assert not Assignment.objects.exists()
    response = client.post(
        url,
        {
            "action": "assign",
            "participant": participant.pk,
            "override_reason": "Jury incomplet",
        },
        follow=True,
    )
    assert Assignment.objects.get().override_reason == "Jury incomplet"
    assert "1 sur 2" in response.content.decode()
    response = client.post(
        url,
        {"action": "withdraw", "assignment": Assignment.objects.get().pk},
        follow=True,
    )
    assert Assignment.objects.get().status == ConvocationStatus.WITHDRAWN
    # Nonsense from the browser is a message, never a 500.
    for data in ({"action": "assign", "participant": "x"}, {"action": "zzz"}, {}):
        assert client.post(url, data, follow=True).status_code == 200


def test_only_back_office_users_reach_the_assignment_page(client, participant, mission):
    client.force_login(participant)
    response = client.get(f"/gestion/missions/mission/{mission.pk}/affecter/")
    assert response.status_code in (302, 403)
