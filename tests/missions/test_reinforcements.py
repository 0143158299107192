"""« Renforts disponibles »: who could still come, from a mission or by épreuve
and date, with their phone and e-mail, and a button that assigns through the
assignment page's own service."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CENTRE_HEAD
from imagin.audit import AuditEvent
from missions.emergency import day_pool, mission_pool
from missions.models import (
    Assignment,
    Availability,
    Competence,
    ConvocationStatus,
    Epreuve,
)
from tests import factories

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def at(hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=10)
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


@pytest.fixture
def mission(db):
    return factories.MissionFactory(
        starts_at=at(8), ends_at=at(12), epreuve__form=Epreuve.Form.ORAL
    )


def ready(mission, *, halves=("am",), **fields):
    """Someone competent for the mission's épreuve and available on its day."""
    person = factories.UserFactory(**fields)
    Competence.objects.create(participant=person, epreuve=mission.epreuve)
    for half in halves:
        Availability.objects.create(
            participant=person,
            session=mission.exam.session,
            date=timezone.localdate(mission.starts_at),
            half_day=half,
        )
    return person


def pool_url(mission) -> str:
    return reverse("admin:missions_mission_reinforcements", args=[mission.pk])


def day_url(mission, moment: str = "") -> str:
    day = timezone.localdate(mission.starts_at)
    url = reverse("admin:missions_mission_reinforcements_day")
    return f"{url}?epreuve={mission.epreuve_id}&date={day:%Y-%m-%d}&moment={moment}"


def names(pool) -> set[str]:
    return {r.participant.last_name for r in pool.people}


def test_the_pool_of_a_mission_keeps_only_those_who_could_come(mission, manager):
    ready(mission, last_name="Libre")
    factories.UserFactory(last_name="Incompetent")
    ready(mission, halves=("pm",), last_name="Apresmidi")
    busy = ready(mission, last_name="Occupe")
    other = factories.MissionFactory(starts_at=at(9), ends_at=at(11))
    Assignment.objects.create(mission=other, participant=busy)
    own = ready(mission, last_name="Chezlui")
    mission.centre.establishment = own.establishment
    mission.centre.save()
    taken = ready(mission, last_name="Dejala")
    Assignment.objects.create(
        mission=mission,
        participant=taken,
        status=ConvocationStatus.CONVOKED,
        convoked_at=timezone.now(),
    )
    assert names(mission_pool(mission)) == {"Libre"}


ROUEN = (49.443, 1.099)
BOIS_GUILLAUME = (49.460, 1.120)
EVREUX = (49.024, 1.151)


def placed(where: tuple[float, float] | None = None):
    """A commune at `where` (latitude, longitude), or without a position."""
    if where is None:
        return factories.CommuneFactory()
    return factories.CommuneFactory(latitude=where[0], longitude=where[1])


def kms(pool) -> list[tuple[str, int | None]]:
    return [(r.participant.last_name, r.km) for r in pool.people]


def test_the_nearest_in_km_come_first_then_the_least_loaded(client, manager, mission):
    centre = mission.centre.commune
    centre.latitude, centre.longitude = ROUEN
    centre.save()
    ready(mission, last_name="Aloin", commune=placed(EVREUX))
    loaded = ready(mission, last_name="Bproche", commune=placed(BOIS_GUILLAUME))
    Assignment.objects.create(
        mission=factories.MissionFactory(exam=mission.exam, starts_at=at(14)),
        participant=loaded,
    )
    ready(mission, last_name="Cproche", commune=placed(BOIS_GUILLAUME))
    # No position at home: where they work counts.
    ready(mission, last_name="Dtravail", establishment__commune=centre)
    # No position anywhere: after every known distance, however idle.
    ready(mission, last_name="Einconnu")
    expected = [
        ("Dtravail", 0),
        ("Cproche", 2),
        ("Bproche", 2),
        ("Aloin", 47),
        ("Einconnu", None),
    ]
    assert kms(mission_pool(mission)) == expected
    day = timezone.localdate(mission.starts_at)
    assert kms(day_pool(mission.epreuve, day, ["am"])) == expected
    client.force_login(manager)
    page = client.get(pool_url(mission)).content.decode()
    assert "<td>47 km</td>" in page and "<td>2 km</td>" in page
    assert "<td>distance inconnue</td>" in page


def test_by_day_the_nearest_of_the_missions_centres_counts(mission):
    centre = mission.centre.commune
    centre.latitude, centre.longitude = EVREUX
    centre.save()
    factories.MissionFactory(
        exam=mission.exam,
        epreuve=mission.epreuve,
        starts_at=at(9),
        ends_at=at(11),
        centre__commune=placed(BOIS_GUILLAUME),
    )
    ready(mission, last_name="Rouennais", commune=placed(ROUEN))
    day = timezone.localdate(mission.starts_at)
    assert kms(day_pool(mission.epreuve, day, ["am"])) == [("Rouennais", 2)]
    assert kms(mission_pool(mission)) == [("Rouennais", 47)]


def test_a_centre_without_position_leaves_every_distance_unknown(mission):
    idle = ready(mission, last_name="Zidle", commune=placed(ROUEN))
    loaded = ready(mission, last_name="Aloaded", commune=placed(ROUEN))
    Assignment.objects.create(
        mission=factories.MissionFactory(exam=mission.exam, starts_at=at(14)),
        participant=loaded,
    )
    other = ready(mission, last_name="Mother", commune=placed(EVREUX))
    pool = mission_pool(mission)
    assert [r.participant for r in pool.people] == [other, idle, loaded]
    assert {r.km for r in pool.people} == {None}


def test_the_pool_of_an_epreuve_on_a_day_reads_the_half_days(mission):
    morning = ready(mission, last_name="Matin")
    ready(mission, halves=("pm",), last_name="Soir")
    both = ready(mission, halves=("am", "pm"), last_name="Journee")
    day = timezone.localdate(mission.starts_at)
    assert names(day_pool(mission.epreuve, day, ["am"])) == {"Matin", "Journee"}
    assert names(day_pool(mission.epreuve, day, ["pm"])) == {"Soir", "Journee"}
    whole = day_pool(mission.epreuve, day, ["am", "pm"])
    assert names(whole) == {"Journee"}
    assert whole.missions == [mission]
    # Busy on an overlapping mission that day: no longer offered.
    Assignment.objects.create(
        mission=factories.MissionFactory(starts_at=at(10), ends_at=at(11)),
        participant=morning,
    )
    assert names(day_pool(mission.epreuve, day, ["am"])) == {"Journee"}
    assert both.pk in {r.participant.pk for r in whole.people}


def test_at_their_load_limit_or_only_at_their_own_establishment_for_an_oral(
    mission,
):
    limited = ready(mission, last_name="Limite", load_limit=1)
    Assignment.objects.create(
        mission=factories.MissionFactory(exam=mission.exam, starts_at=at(15)),
        participant=limited,
    )
    own = ready(mission, last_name="Chezlui")
    mission.centre.establishment = own.establishment
    mission.centre.save()
    ready(mission, last_name="Ailleurs")
    day = timezone.localdate(mission.starts_at)
    assert names(day_pool(mission.epreuve, day, ["am"])) == {"Ailleurs"}


def test_the_page_shows_how_to_reach_them_and_is_audited(client, manager, mission):
    ready(mission, last_name="Libre", phone="06 12 34 56 78", email="libre@ex.invalid")
    client.force_login(manager)
    response = client.get(pool_url(mission))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Libre" in page and "06 12 34 56 78" in page
    assert 'href="mailto:libre@ex.invalid"' in page
    event = AuditEvent.objects.get(action="missions.reinforcements.viewed")
    assert event.actor_id == manager.pk and event.data["rows"] == 1
    # The mission's pages lead there.
    change = reverse("admin:missions_mission_change", args=[mission.pk])
    assign = reverse("admin:missions_mission_assign", args=[mission.pk])
    for url in (change, assign):
        assert pool_url(mission) in client.get(url).content.decode()


def test_by_epreuve_and_date_the_address_holds_the_search(client, manager, mission):
    ready(mission, last_name="Libre", phone="0102030405")
    client.force_login(manager)
    page = client.get(day_url(mission, "am")).content.decode()
    assert "Libre" in page and "0102030405" in page
    assert pool_url(mission) in page  # each mission of the day has its own pool
    empty = client.get(reverse("admin:missions_mission_reinforcements_day"))
    assert empty.status_code == 200 and "Libre" not in empty.content.decode()


@pytest.mark.parametrize("from_day", [False, True])
def test_the_button_assigns_through_the_assignment_service(
    client, manager, mission, from_day
):
    person = ready(mission)
    client.force_login(manager)
    url = day_url(mission, "am") if from_day else pool_url(mission)
    response = client.post(
        url, {"action": "assign", "participant": person.pk, "mission": mission.pk}
    )
    assert response.status_code == 302 and response.url == url
    assignment = Assignment.objects.get(mission=mission, participant=person)
    assert assignment.status == ConvocationStatus.ASSIGNED
    assert AuditEvent.objects.filter(
        action="missions.assignment.created", target_id=assignment.pk
    ).exists()


def test_the_rules_are_checked_again_and_never_overridden_here(
    client, manager, mission
):
    person = factories.UserFactory()  # declared nothing
    client.force_login(manager)
    response = client.post(
        pool_url(mission),
        {
            "action": "assign",
            "participant": person.pk,
            "mission": mission.pk,
            "override_reason": "",
        },
        follow=True,
    )
    assert "Affectation refusée" in response.content.decode()
    assert not Assignment.objects.filter(participant=person).exists()
    # Another mission than the page's is refused too.
    elsewhere = factories.MissionFactory()
    client.post(
        pool_url(mission),
        {"action": "assign", "participant": ready(mission).pk, "mission": elsewhere.pk},
    )
    assert not Assignment.objects.filter(mission=elsewhere).exists()


def test_only_managers_see_it(client, mission):
    ready(mission)
    head = factories.UserFactory(is_staff=True)
    head.groups.add(Group.objects.get(name=CENTRE_HEAD))
    participant = factories.UserFactory()
    administrator = factories.AdministratorFactory()
    for url in (pool_url(mission), day_url(mission)):
        client.force_login(administrator)  # in the back-office, not a manager
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": "assign"}).status_code == 403
        for outside in (head, participant):
            client.force_login(outside)
            assert client.get(url).status_code == 302  # the back-office's sign-in
    assert not AuditEvent.objects.filter(
        action="missions.reinforcements.viewed"
    ).exists()
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "epreuve=%00&date=2027-06-01",
        "epreuve=1&date=%00",
        "epreuve=abc&date=2027-02-30&moment=%00",
        "epreuve=99999999999999999999&date=9999-99-99",
    ],
)
def test_hostile_search_values_answer_the_form_again(client, manager, query):
    client.force_login(manager)
    url = reverse("admin:missions_mission_reinforcements_day")
    assert client.get(f"{url}?{query}").status_code == 200
    assert client.post(f"{url}?{query}", {"action": "assign"}).status_code == 200


@pytest.mark.parametrize(
    "values",
    [
        {"action": "assign", "participant": "\x00", "mission": "\x00"},
        {"action": "\x00"},
        {"action": "assign", "participant": "1" * 30},
    ],
)
def test_hostile_assign_values_never_fail(client, manager, mission, values):
    client.force_login(manager)
    assert client.post(pool_url(mission), values).status_code == 302
    assert client.post(day_url(mission), values).status_code == 302
    assert not Assignment.objects.exists()


def _queries(client, url: str, expected: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["pool"].people) == expected
    return len(queries)


@pytest.mark.parametrize("by_day", [False, True])
def test_a_fixed_number_of_queries_for_n_or_2n_people(
    client, manager, mission, settings, by_day
):
    settings.SESSION_REFRESH_INTERVAL = 3600
    client.force_login(manager)
    url = day_url(mission, "am") if by_day else pool_url(mission)
    centre = mission.centre.commune
    centre.latitude, centre.longitude = ROUEN
    centre.save()

    def add(count: int) -> None:
        for index in range(count):
            # Some positioned at home, some at work only, some nowhere.
            home = placed(EVREUX if index % 3 == 0 else None)
            work = placed(BOIS_GUILLAUME if index % 3 == 1 else None)
            person = ready(
                mission, phone="0600000000", commune=home, establishment__commune=work
            )
            Assignment.objects.create(
                mission=factories.MissionFactory(exam=mission.exam, starts_at=at(15)),
                participant=person,
            )

    add(5)
    client.get(url)  # caches filled
    small = _queries(client, url, 5)
    add(5)
    assert _queries(client, url, 10) == small
    kms = [r.km for r in client.get(url).context["pool"].people]
    assert kms == [2] * 4 + [47] * 4 + [None] * 2
