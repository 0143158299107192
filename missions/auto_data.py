"""What the automatic assignment reads, and the solver's data made of it.

The same hard rules as the assignment page (missions.rules), read the same
way: half-days in local time, the session's load counting the assignments
outside the selection, overlaps against the active assignments of any
session, only active people. Kept as they are (the solver's `Fixed`):
every active assignment that is manual, locked, convoked, or on a mission
outside the selection. An automatic, unlocked, not yet convoked assignment
of the selection may be decided again: kept (unchanged), moved to another
mission, or withdrawn.

Distances: communes carry their position (latitude, longitude), projected
to km by `solver.project` around the middle of the selection's centres. A
participant without a known position (no commune of residence or
establishment with one) is placed at the middle of
the selection's centres, a centre without one at the middle of the
participants: an average distance, the same for all, so travel neither
favours nor excludes them; the reason then says "distance inconnue".

The run: missions.auto_assignment; its proposal: missions.auto_proposal;
applying, locking and the words of the reasons: missions.auto_apply.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from accounts.models import User
from missions.models import (
    Assignment,
    AssignmentRun,
    Availability,
    Competence,
    ConvocationStatus,
    ExamSession,
    Mission,
    SessionWish,
)
from missions.rules import ACTIVE, half_days, is_oral
from missions.solver import Fixed, Participant, Weights, project
from missions.solver import Mission as SolverMission
from missions.solver.model import FRANCE

DEFAULT_WEIGHTS = {"travel": 1, "balance": 10, "continuity": 20, "preference": 15}
WEIGHT_NAMES = tuple(DEFAULT_WEIGHTS)
# No load limit: more missions than anyone could take in a session.
UNLIMITED = 1000
ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
AUTOMATIC = "automatic"


def redecidable(assignment: Assignment, selected: set[int]) -> bool:
    """May the automatic assignment decide this assignment again?"""
    return (
        assignment.origin == AUTOMATIC
        and not assignment.locked
        and assignment.status == ConvocationStatus.ASSIGNED
        and assignment.mission_id in selected
    )


def _minutes(moment: datetime) -> int:
    return int((moment - ORIGIN).total_seconds() // 60)


@dataclass
class Snapshot:
    """What the rules need for a selection, read in a fixed number of queries."""

    session: ExamSession
    missions: list[Mission]
    people: dict[int, User]
    competences: dict[int, set[int]]
    available: dict[int, set[tuple[date, str]]]
    active: list[Assignment]  # in the session, or overlapping the selection
    wishes: dict[int, SessionWish]
    # Continuity: the selection's épreuves each person has or had (_history).
    history: dict[int, set[int]]

    @property
    def selected(self) -> set[int]:
        return {m.pk for m in self.missions}

    def session_load(self) -> Counter[int]:
        """Active assignments per participant in the session (all missions)."""
        return Counter(
            a.participant_id
            for a in self.active
            if a.mission.exam.session_id == self.session.pk
        )

    def cap(self, person: User, division_max: int | None) -> int:
        """The most missions of the session they may have: their load limit,
        their declared maximum, the division's, whichever is lowest."""
        wish = self.wishes.get(person.pk)
        limits = [
            person.load_limit,
            wish.max_missions if wish is not None else None,
            division_max,
        ]
        return min((n for n in limits if n is not None), default=UNLIMITED)


def selection(run: AssignmentRun) -> list[Mission]:
    chosen = run.missions.all()
    if not run.pk or not chosen.exists():
        chosen = Mission.objects.filter(exam__session_id=run.session_id)
    return list(
        chosen.select_related(
            "exam", "epreuve", "mission_type", "centre__commune"
        ).order_by("starts_at", "pk")
    )


def load(session: ExamSession, missions: list[Mission]) -> Snapshot:
    """Everything the selection's rules read: 8 queries, whatever its size."""
    ids = [m.pk for m in missions]
    first = min((m.starts_at for m in missions), default=timezone.now())
    last = max((m.ends_at for m in missions), default=first)
    people = {
        u.pk: u
        for u in User.objects.filter(is_active=True)
        .filter(
            Q(availabilities__session=session)
            | Q(assignments__mission_id__in=ids, assignments__status__in=ACTIVE)
        )
        .distinct()
        .select_related("commune", "establishment__commune")
    }
    competences: dict[int, set[int]] = defaultdict(set)
    epreuves = {m.epreuve_id for m in missions if m.epreuve_id}
    for pid, eid in Competence.objects.filter(
        epreuve_id__in=epreuves, participant_id__in=list(people)
    ).values_list("participant_id", "epreuve_id"):
        competences[pid].add(eid)
    available: dict[int, set[tuple[date, str]]] = defaultdict(set)
    for pid, day, half in Availability.objects.filter(
        session=session, participant_id__in=list(people)
    ).values_list("participant_id", "date", "half_day"):
        available[pid].add((day, half))
    active = list(
        Assignment.objects.filter(status__in=ACTIVE)
        .filter(
            Q(mission__exam__session=session)
            | Q(
                participant_id__in=list(people),
                mission__starts_at__lt=last,
                mission__ends_at__gt=first,
            )
        )
        .select_related("mission__exam")
    )
    wishes = {
        w.participant_id: w
        for w in SessionWish.objects.filter(
            session=session, participant_id__in=list(people)
        ).prefetch_related(Prefetch("preferred_centres"))
    }
    return Snapshot(
        session=session,
        missions=missions,
        people=people,
        competences=competences,
        available=available,
        active=active,
        wishes=wishes,
        history=_history(session, missions, list(people), active),
    )


def _history(
    session: ExamSession,
    missions: list[Mission],
    people: list[int],
    active: list[Assignment],
) -> dict[int, set[int]]:
    """Continuity, one definition for the solver's bonus and the line's
    reason: the selection's épreuves each person already has or had, that is
    an earlier session's convoked assignment with the same exam and épreuve
    codes, or any active assignment of this session on the épreuve, whatever
    its origin (manual, locked, convoked, or automatic and decided again).

    A person on one philosophy mission therefore gets the bonus for every
    philosophy mission, the one they are on included: keeping it is worth as
    much as moving to another, so a new run does not shuffle people between
    missions of the same épreuve for the bonus."""
    by_code = {
        (m.exam.code, m.epreuve.code): m.epreuve.pk
        for m in missions
        if m.epreuve is not None
    }
    history: dict[int, set[int]] = defaultdict(set)
    for pid, exam_code, code in (
        Assignment.objects.filter(
            status=ConvocationStatus.CONVOKED,
            participant_id__in=people,
            mission__epreuve__isnull=False,
        )
        .exclude(mission__exam__session=session)
        .values_list("participant_id", "mission__exam__code", "mission__epreuve__code")
        .distinct()
    ):
        if (exam_code, code) in by_code:
            history[pid].add(by_code[(exam_code, code)])
    for a in active:
        if a.mission.exam.session_id == session.pk and a.mission.epreuve_id:
            history[a.participant_id].add(a.mission.epreuve_id)
    return history


Origin = tuple[float, float]


def _position(commune, origin: Origin) -> tuple[float, float] | None:
    if commune is None or commune.latitude is None or commune.longitude is None:
        return None
    return project(commune.latitude, commune.longitude, origin)


def person_position(person: User, origin: Origin) -> tuple[float, float] | None:
    position = _position(person.commune, origin)
    if position is None and person.establishment is not None:
        position = _position(person.establishment.commune, origin)
    return position


def origin_of(missions: list[Mission]) -> Origin:
    """The middle of the centres' communes: projected around it, distances of
    the académie hold within about 1 %, overseas as well as in mainland."""
    known = [
        (m.centre.commune.latitude, m.centre.commune.longitude)
        for m in missions
        if m.centre.commune.latitude is not None
        and m.centre.commune.longitude is not None
    ]
    if not known:
        return FRANCE
    return (
        sum(lat for lat, _lon in known) / len(known),
        sum(lon for _lat, lon in known) / len(known),
    )


def _middle(points: list[tuple[float, float]]) -> tuple[float, float]:
    if not points:
        return (0.0, 0.0)
    return (
        sum(x for x, _y in points) / len(points),
        sum(y for _x, y in points) / len(points),
    )


@dataclass
class Problem:
    participants: list[Any]
    missions: list[Any]
    fixed: list[Any]
    weights: Any
    # Known positions, for the reasons (None: unknown).
    people_at: dict[int, tuple[float, float] | None]
    centres_at: dict[int, tuple[float, float] | None]
    caps: dict[int, int]


def problem(snap: Snapshot, run: AssignmentRun) -> Problem:
    """The solver's data classes for the selection."""
    selected = snap.selected
    hd_index: dict[tuple[date, str], int] = {}
    mission_hds = {}
    for m in snap.missions:
        mission_hds[m.pk] = tuple(
            hd_index.setdefault(hd, len(hd_index))
            for hd in half_days(m.starts_at, m.ends_at)
        )
    origin = origin_of(snap.missions)
    people_at = {pid: person_position(p, origin) for pid, p in snap.people.items()}
    centres_at = {
        m.centre_id: _position(m.centre.commune, origin) for m in snap.missions
    }
    centre_middle = _middle([p for p in centres_at.values() if p is not None])
    people_middle = _middle([p for p in people_at.values() if p is not None])
    fixed, other_sessions = [], Counter[int]()
    for a in snap.active:
        if redecidable(a, selected):
            continue
        fixed.append(
            Fixed(
                participant=a.participant_id,
                mission=a.mission_id,
                start=_minutes(a.mission.starts_at),
                end=_minutes(a.mission.ends_at),
                epreuve=a.mission.epreuve_id,
            )
        )
        if a.mission.exam.session_id != snap.session.pk:
            other_sessions[a.participant_id] += 1
    caps = {pid: snap.cap(p, run.division_max) for pid, p in snap.people.items()}
    participants = []
    for pid, person in snap.people.items():
        x, y = people_at[pid] or centre_middle
        wish = snap.wishes.get(pid)
        participants.append(
            Participant(
                id=pid,
                x_km=x,
                y_km=y,
                establishment=person.establishment_id,
                competences=frozenset(snap.competences.get(pid, ())),
                available=frozenset(
                    hd_index[hd] for hd in snap.available.get(pid, ()) if hd in hd_index
                ),
                # Another session's assignments are fixed for their overlaps,
                # not for this session's load.
                cap=caps[pid] + other_sessions[pid],
                preferred_centres=frozenset(c.pk for c in wish.preferred_centres.all())
                if wish is not None
                else frozenset(),
                history=frozenset(snap.history.get(pid, ())),
                name=person.get_full_name(),
            )
        )
    missions = []
    for m in snap.missions:
        cx, cy = centres_at[m.centre_id] or people_middle
        missions.append(
            SolverMission(
                id=m.pk,
                epreuve=m.epreuve_id,
                oral=is_oral(m.epreuve),
                centre=m.centre_id,
                centre_establishment=m.centre.establishment_id,
                cx_km=cx,
                cy_km=cy,
                start=_minutes(m.starts_at),
                end=_minutes(m.ends_at),
                half_days=mission_hds[m.pk],
                places=m.staffing_need,
                label=m.epreuve.name if m.epreuve is not None else m.exam.name,
                day_label=f"{timezone.localtime(m.starts_at):%d/%m/%Y}",
            )
        )
    w = run.weights or DEFAULT_WEIGHTS
    weights = Weights(
        **{name: int(w.get(name, DEFAULT_WEIGHTS[name])) for name in WEIGHT_NAMES},
        max_per_participant=None,  # already in each participant's cap
    )
    return Problem(participants, missions, fixed, weights, people_at, centres_at, caps)
