"""Why a mission stays short, why a person got a mission: structured facts.

The caller phrases them (gettext) with the mission's label and day, e.g.
Unstaffable(kind="too_few", people=3, places=5) on « correcteurs de
philosophie » « le 5 juillet »: « 3 correcteurs de philosophie disponibles le
5 juillet pour 5 places ».
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from .model import (
    Built,
    Fixed,
    Mission,
    Participant,
    Result,
    Weights,
    build,
    distance_km,
    effective_cap,
    overlaps,
)

TOO_FEW = "too_few"  # fewer eligible people than open places, for the mission alone
TOO_FEW_TOGETHER = "too_few_together"  # ... for it and the missions of its
# épreuve at the same time (missions_together of them)
TAKEN_ELSEWHERE = "taken_elsewhere"  # enough people, but assigned elsewhere at
# that time or at their maximum


@dataclass(frozen=True)
class Unstaffable:
    mission: int
    kind: str  # TOO_FEW, TOO_FEW_TOGETHER or TAKEN_ELSEWHERE
    people: int  # eligible people (for the mission, or the group together)
    places: int  # open places before the run (of the mission, or the group)
    left_open: int  # places the result leaves open on this mission
    missions_together: int = 1  # missions counted (TOO_FEW_TOGETHER)


@dataclass(frozen=True)
class LineReason:
    participant: int
    mission: int
    epreuve: int | None  # the épreuve they are competent in; None: none asked
    competent: bool  # declared the épreuve (False when none is asked)
    available: bool  # on every half-day of the mission
    load_after: int  # missions in the session once the run is applied
    cap: int
    km: int  # home to centre
    continuity: bool  # already works / worked on the épreuve
    preferred_centre: bool


def unstaffable_reasons(
    participants: list[Participant],
    missions: list[Mission],
    fixed: list[Fixed],
    w: Weights,
    result: Result,
    built: Built | None = None,
) -> dict[int, Unstaffable]:
    """For each mission left with open places, the tightest count to show:
    eligible people for the mission alone, then for all the missions of the
    same épreuve overlapping it (Hall's condition), else competition."""
    b = built if built is not None else build(participants, missions, fixed, w)
    index = {m.id: i for i, m in enumerate(missions)}
    eligible_of: dict[int, set[int]] = defaultdict(set)
    for k in range(len(b.pair_p)):
        eligible_of[int(b.pair_m[k])].add(int(b.pair_p[k]))
    out = {}
    for mid, left in result.unfilled.items():
        i = index[mid]
        m = missions[i]
        need = int(b.open_places[i])
        n = len(eligible_of[i])
        if n < need:
            out[mid] = Unstaffable(mid, TOO_FEW, n, need, left)
            continue
        group = [
            j
            for j, o in enumerate(missions)
            if o.epreuve == m.epreuve and overlaps(o.start, o.end, m.start, m.end)
        ]
        people = len(set().union(*(eligible_of[j] for j in group)))
        places = int(sum(b.open_places[j] for j in group))
        if people < places:
            out[mid] = Unstaffable(
                mid, TOO_FEW_TOGETHER, people, places, left, len(group)
            )
        else:
            out[mid] = Unstaffable(mid, TAKEN_ELSEWHERE, n, need, left)
    return out


def line_reasons(
    participants: list[Participant],
    missions: list[Mission],
    fixed: list[Fixed],
    w: Weights,
    assignments: list[tuple[int, int]],
) -> dict[tuple[int, int], LineReason]:
    """For each (participant id, mission id) of `assignments`, why it fits."""
    by_id = {p.id: p for p in participants}
    mission_of = {m.id: m for m in missions}
    load = Counter(f.participant for f in fixed) + Counter(p for p, _ in assignments)
    done: dict[int, set[int]] = defaultdict(set)
    for f in fixed:
        if f.epreuve is not None:
            done[f.participant].add(f.epreuve)
    out = {}
    for pid, mid in assignments:
        p, m = by_id[pid], mission_of[mid]
        out[(pid, mid)] = LineReason(
            participant=pid,
            mission=mid,
            epreuve=m.epreuve,
            competent=m.epreuve is not None and m.epreuve in p.competences,
            available=set(m.half_days) <= p.available,
            load_after=load[pid],
            cap=effective_cap(p, w),
            km=distance_km(p, m),
            continuity=m.epreuve is not None
            and (m.epreuve in p.history or m.epreuve in done[pid]),
            preferred_centre=m.centre in p.preferred_centres,
        )
    return out
