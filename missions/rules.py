"""Who may be assigned to a mission, and why the others may not.

A participant is a candidate for a mission when they are:
- competent for its épreuve (they declared it);
- available on every half-day it covers;
- not already on an overlapping mission;
- under their load limit for the session;
- not in conflict: for an oral or practical épreuve, nobody examines at the
  centre of their own establishment.

`rank_candidates` reads everything in a fixed number of queries, whatever the
number of participants; `refusal_reasons` checks one participant.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from missions.models import (
    Assignment,
    Availability,
    Competence,
    ConvocationStatus,
    Epreuve,
    Mission,
)

ACTIVE = (ConvocationStatus.ASSIGNED, ConvocationStatus.CONVOKED)
MORNING, AFTERNOON = Availability.HalfDay.MORNING, Availability.HalfDay.AFTERNOON
NOON = time(12, 0)


def half_days(starts_at: datetime, ends_at: datetime) -> list[tuple[date, str]]:
    """The (date, "am"/"pm") a mission covers, in local time.

    A half-day is covered when the mission overlaps it: the morning runs until
    noon, the afternoon from noon to midnight.
    """
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    covered: list[tuple[date, str]] = []
    day = start.date()
    while day <= end.date():
        tz = start.tzinfo
        midnight = datetime.combine(day, time.min, tzinfo=tz)
        noon = datetime.combine(day, NOON, tzinfo=tz)
        next_midnight = midnight + timedelta(days=1)
        if start < noon and end > midnight:
            covered.append((day, MORNING))
        if start < next_midnight and end > noon:
            covered.append((day, AFTERNOON))
        day += timedelta(days=1)
    return covered


def is_oral(epreuve: Epreuve | None) -> bool:
    return epreuve is not None and epreuve.form in (
        Epreuve.Form.ORAL,
        Epreuve.Form.PRACTICAL,
    )


@dataclass
class Candidate:
    participant: User
    reasons: list[str] = field(default_factory=list)
    session_load: int = 0
    assignment: Assignment | None = None  # already on this mission

    @property
    def eligible(self) -> bool:
        return not self.reasons


@dataclass
class Staffing:
    mission: Mission
    assigned: list[Candidate]
    eligible: list[Candidate]
    excluded: list[Candidate]

    @property
    def staffed(self) -> int:
        return len(self.assigned)


def _mission_for_rules(mission: Mission) -> Mission:
    return Mission.objects.select_related(
        "exam__session", "epreuve", "centre", "mission_type"
    ).get(pk=mission.pk)


def _reasons(
    *,
    mission: Mission,
    participant: User,
    competent: bool,
    missing_half_days: int,
    overlapping: list[Mission],
    session_load: int,
) -> list[str]:
    reasons = []
    if mission.epreuve_id and not competent:
        reasons.append(_("n'a pas déclaré cette épreuve dans ses compétences"))
    if missing_half_days:
        reasons.append(
            _("n'est pas disponible sur toutes les demi-journées de la mission")
        )
    for other in overlapping:
        reasons.append(
            _("est déjà affecté(e) à une mission qui se chevauche : %(mission)s")
            % {"mission": other}
        )
    if participant.load_limit is not None and session_load >= participant.load_limit:
        reasons.append(
            _("a atteint sa limite de %(limit)d mission(s) pour la session")
            % {"limit": participant.load_limit}
        )
    if (
        is_oral(mission.epreuve)
        and mission.centre.establishment_id
        and participant.establishment_id == mission.centre.establishment_id
    ):
        reasons.append(_("n'interroge pas dans son propre établissement"))
    return reasons


def _context(mission: Mission, participant_ids: Iterable[int] | None):
    """The facts the rules need, for some participants or for all: 4 queries."""

    def scoped(queryset, field_name="participant_id"):
        if participant_ids is None:
            return queryset
        return queryset.filter(**{f"{field_name}__in": participant_ids})

    # A mission without an épreuve asks for no competence: nobody has it.
    competent = (
        set()
        if mission.epreuve_id is None
        else set(
            scoped(
                Competence.objects.filter(epreuve_id=mission.epreuve_id)
            ).values_list("participant_id", flat=True)
        )
    )
    needed = half_days(mission.starts_at, mission.ends_at)
    availability_match = Q(pk__in=[])
    for day, half in needed:
        availability_match |= Q(date=day, half_day=half)
    available = Counter(
        scoped(Availability.objects.filter(availability_match)).values_list(
            "participant_id", flat=True
        )
    )
    overlapping: dict[int, list[Mission]] = defaultdict(list)
    for assignment in scoped(
        Assignment.objects.filter(
            status__in=ACTIVE,
            mission__starts_at__lt=mission.ends_at,
            mission__ends_at__gt=mission.starts_at,
        )
        .exclude(mission=mission)
        .select_related("mission__mission_type", "mission__epreuve", "mission__exam")
    ):
        overlapping[assignment.participant_id].append(assignment.mission)
    loads = dict(
        scoped(
            Assignment.objects.filter(
                status__in=ACTIVE, mission__exam__session_id=mission.exam.session_id
            )
        )
        .order_by()
        .values_list("participant_id")
        .annotate(n=Count("pk"))
    )
    return competent, len(needed), available, overlapping, loads


def refusal_reasons(mission: Mission, participant: User) -> list[str]:
    """Why `participant` should not be assigned to `mission` (empty: they may)."""
    mission = _mission_for_rules(mission)
    competent, needed, available, overlapping, loads = _context(
        mission, [participant.pk]
    )
    own = Assignment.objects.filter(
        mission=mission, participant=participant, status__in=ACTIVE
    ).exists()
    return _reasons(
        mission=mission,
        participant=participant,
        competent=participant.pk in competent,
        missing_half_days=needed - available.get(participant.pk, 0),
        overlapping=overlapping.get(participant.pk, []),
        # Already on this mission: it is part of their load, not added to it.
        session_load=loads.get(participant.pk, 0) - (1 if own else 0),
    )


def rank_candidates(mission: Mission, *, everyone: bool = False) -> Staffing:
    """The people assigned, then the eligible ones (least loaded first), then
    the excluded ones with their reasons.

    By default only people who declared the épreuve or some availability in
    the session are considered; `everyone` adds every active participant.
    """
    mission = _mission_for_rules(mission)
    people = User.objects.filter(is_active=True).select_related(
        "establishment__commune"
    )
    if not everyone:
        people = people.filter(
            Q(competences__epreuve_id=mission.epreuve_id)
            | Q(availabilities__session_id=mission.exam.session_id)
            | Q(assignments__mission=mission)
        ).distinct()
    candidates = list(people.order_by("last_name", "first_name", "pk"))
    competent, needed, available, overlapping, loads = _context(mission, None)
    on_mission = {
        a.participant_id: a
        for a in Assignment.objects.filter(mission=mission, status__in=ACTIVE)
    }
    assigned, eligible, excluded = [], [], []
    for person in candidates:
        assignment = on_mission.get(person.pk)
        load = loads.get(person.pk, 0)
        candidate = Candidate(
            participant=person,
            session_load=load,
            assignment=assignment,
            reasons=_reasons(
                mission=mission,
                participant=person,
                competent=person.pk in competent,
                missing_half_days=needed - available.get(person.pk, 0),
                overlapping=overlapping.get(person.pk, []),
                session_load=load - (1 if assignment else 0),
            ),
        )
        if assignment is not None:
            assigned.append(candidate)
        elif candidate.eligible:
            eligible.append(candidate)
        else:
            excluded.append(candidate)
    eligible.sort(key=lambda c: c.session_load)  # stable: then by name
    excluded.sort(key=lambda c: len(c.reasons))
    return Staffing(mission, assigned, eligible, excluded)
