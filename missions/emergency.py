"""Reinforcements on the day ("Renforts disponibles"): who could still come.

When someone fails to turn up, the exam division looks for people competent
for the épreuve, available on the half-day(s), not convoked or assigned on a
mission that overlaps them, under their load limit and, for an oral or
practical épreuve, not examining at their own establishment; then it calls
them (their phone and e-mail are shown) and assigns one through the usual
service (`missions.services.assignment_create`, which checks the rules again).

From a mission, the pool is the ranking's eligible people
(`missions.rules.rank_candidates`); by épreuve and date, it is read here for
the half-days chosen, each person with the day's missions of the épreuve they
could join. Both read everything in a fixed number of queries.

The nearest come first: the km, as the crow flies (`accounts.geo`), from the
commune of residence (or, when it has no position, the main establishment's)
to the nearest of the centres of the missions they could join; the people
whose distance is unknown (no position on either side) come after those
whose distance is known; then the least loaded, as in the ranking, then by
name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone

from accounts.geo import Position, distance_km, position
from accounts.models import Commune, User
from missions import rules
from missions.models import Assignment, Availability, Competence, Epreuve, Mission

HALVES = (rules.MORNING, rules.AFTERNOON)


@dataclass
class Reinforcement:
    participant: User
    session_load: int
    # The missions of the page this person may be assigned to.
    missions: list[Mission]
    # Km from their home (or their establishment) to the nearest centre of
    # those missions, rounded; None when a position is missing.
    km: int | None = None


@dataclass
class Pool:
    epreuve: Epreuve | None
    day: date
    missions: list[Mission]
    people: list[Reinforcement]
    mission: Mission | None = None


def _home(person: User, positions: dict[int, Position]) -> Position | None:
    """Where `person` lives, or failing that, works (`positions` by commune)."""
    home = positions.get(person.commune_id) if person.commune_id else None
    if home is None and person.establishment is not None:
        home = positions.get(person.establishment.commune_id)
    return home


def _ordered(
    people: list[Reinforcement], positions: dict[int, Position]
) -> list[Reinforcement]:
    """Nearest first, unknown distances last, then least loaded; `positions`
    holds the known ones of every commune involved, by id."""
    for reinforcement in people:
        home = _home(reinforcement.participant, positions)
        centres = [
            positions[m.centre.commune_id]
            for m in reinforcement.missions
            if m.centre.commune_id in positions
        ]
        if home is not None and centres:
            reinforcement.km = round(min(distance_km(home, c) for c in centres))
    # Stable: the people come sorted by name.
    return sorted(
        people,
        key=lambda r: (r.km is None, r.km or 0, r.session_load),
    )


def _read_positions(commune_ids: set[int]) -> dict[int, Position]:
    """The known positions of these communes: one query."""
    communes = Commune.objects.filter(pk__in=commune_ids).only("latitude", "longitude")
    return {
        commune.pk: where
        for commune in communes
        if (where := position(commune)) is not None
    }


def _loaded_positions(
    people: list[User], missions: list[Mission]
) -> dict[int, Position]:
    """The known positions of communes already read with their objects."""
    communes: list[Commune | None] = [m.centre.commune for m in missions]
    for person in people:
        communes.append(person.commune)
        if person.establishment is not None:
            communes.append(person.establishment.commune)
    return {
        commune.pk: where
        for commune in communes
        if commune is not None and (where := position(commune)) is not None
    }


def mission_pool(mission: Mission) -> Pool:
    """The people who could join `mission` now: the ranking's eligible ones."""
    staffing = rules.rank_candidates(mission)
    mission = staffing.mission
    people = [
        Reinforcement(c.participant, c.session_load, [mission])
        for c in staffing.eligible
    ]
    communes = {mission.centre.commune_id}
    for c in staffing.eligible:
        if c.participant.commune_id is not None:
            communes.add(c.participant.commune_id)
        if c.participant.establishment is not None:
            communes.add(c.participant.establishment.commune_id)
    return Pool(
        epreuve=mission.epreuve,
        day=timezone.localdate(mission.starts_at),
        missions=[mission],
        people=_ordered(people, _read_positions(communes)),
        mission=mission,
    )


def _window(day: date, halves: list[str]) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = time.min if rules.MORNING in halves else rules.NOON
    starts_at = datetime.combine(day, start, tzinfo=tz)
    if rules.AFTERNOON in halves:
        ends_at = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    else:
        ends_at = datetime.combine(day, rules.NOON, tzinfo=tz)
    return starts_at, ends_at


def day_pool(epreuve: Epreuve, day: date, halves: list[str]) -> Pool:
    """The people who could come for `epreuve` on the `halves` of `day`
    ("am", "pm" or both): four queries, whatever their number (the
    communes' positions come with the missions and the people)."""
    halves = [half for half in HALVES if half in halves] or list(HALVES)
    starts_at, ends_at = _window(day, halves)
    missions = list(
        Mission.objects.filter(
            epreuve=epreuve, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        .select_related("exam__session", "epreuve", "centre__commune", "mission_type")
        .order_by("starts_at", "pk")
    )
    available = (
        Availability.objects.filter(date=day, half_day__in=halves)
        .order_by()
        .values("participant_id")
        .annotate(n=Count("pk"))
        .filter(n=len(halves))
        .values("participant_id")
    )
    busy = Assignment.objects.filter(
        status__in=rules.ACTIVE,
        mission__starts_at__lt=ends_at,
        mission__ends_at__gt=starts_at,
    ).values("participant_id")
    people = list(
        User.objects.filter(
            is_active=True,
            pk__in=Competence.objects.filter(epreuve=epreuve).values("participant_id"),
        )
        .filter(pk__in=available)
        .exclude(pk__in=busy)
        .select_related("commune", "establishment__commune")
        .order_by("last_name", "first_name", "pk")
    )
    loads = dict(
        Assignment.objects.filter(
            status__in=rules.ACTIVE,
            mission__exam__session_id=epreuve.exam.session_id,
            participant__in=[person.pk for person in people],
        )
        .order_by()
        .values_list("participant_id")
        .annotate(n=Count("pk"))
    )
    pool = []
    for person in people:
        load = loads.get(person.pk, 0)
        if person.load_limit is not None and load >= person.load_limit:
            continue
        joinable = [m for m in missions if not _own_establishment(m, person)]
        if missions and not joinable:
            continue
        pool.append(Reinforcement(person, load, joinable))
    return Pool(
        epreuve=epreuve,
        day=day,
        missions=missions,
        people=_ordered(pool, _loaded_positions(people, missions)),
    )


def _own_establishment(mission: Mission, person: User) -> bool:
    """An oral or practical épreuve at the centre of their own establishment."""
    return bool(
        rules.is_oral(mission.epreuve)
        and mission.centre.establishment_id
        and person.establishment_id == mission.centre.establishment_id
    )
