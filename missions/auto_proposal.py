"""The proposal of an automatic assignment: the solver's choice as a diff
against the assignments it may decide again (added, moved, unchanged,
withdrawn), the facts behind each line, and why missions stay unstaffed."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.utils import timezone

from missions.auto_data import UNLIMITED, Problem, Snapshot, redecidable
from missions.models import Assignment, AssignmentRun, LineKind, Mission, ProposalLine
from missions.rules import half_days, is_oral


def proposal(
    run: AssignmentRun, snap: Snapshot, data: Problem, chosen: set[tuple[int, int]]
) -> list[ProposalLine]:
    """The diff of the solver's choice against the decidable assignments:
    unchanged, moved (paired with one the person loses, same épreuve first),
    added, and the automatic assignments withdrawn."""
    selected = snap.selected
    missions = {m.pk: m for m in snap.missions}
    current = {
        (a.participant_id, a.mission_id): a
        for a in snap.active
        if redecidable(a, selected)
    }
    load = snap.session_load()
    for (pid, _mid), _a in current.items():
        load[pid] -= 1
    for pid, _mid in chosen:
        load[pid] += 1
    lost: dict[int, list[Assignment]] = defaultdict(list)
    for key, a in current.items():
        if key not in chosen:
            lost[key[0]].append(a)
    lines = []
    for pid, mid in sorted(
        chosen, key=lambda pair: (missions[pair[1]].starts_at, pair)
    ):
        mission = missions[mid]
        previous, kind = current.get((pid, mid)), LineKind.UNCHANGED
        if previous is None:
            kind = LineKind.ADDED
            if lost[pid]:
                lost[pid].sort(key=lambda a: a.mission.epreuve_id != mission.epreuve_id)
                previous, kind = lost[pid].pop(0), LineKind.MOVED
        lines.append(
            ProposalLine(
                run=run,
                participant_id=pid,
                mission_id=mid,
                kind=kind,
                previous=previous,
                reason=_facts(snap, data, pid, mission, load[pid]),
            )
        )
    for pid, assignments in lost.items():
        for a in assignments:
            lines.append(
                ProposalLine(
                    run=run,
                    participant_id=pid,
                    mission_id=a.mission_id,
                    kind=LineKind.WITHDRAWN,
                    previous=a,
                    reason={"withdrawn": True},
                )
            )
    return lines


def _facts(
    snap: Snapshot, data: Problem, pid: int, mission: Mission, load: int
) -> dict[str, Any]:
    """What the line's reason says, as data (missions.auto_apply words it)."""
    here, there = data.people_at.get(pid), data.centres_at.get(mission.centre_id)
    km = None
    if here is not None and there is not None:
        km = round(((here[0] - there[0]) ** 2 + (here[1] - there[1]) ** 2) ** 0.5)
    cap = data.caps[pid]
    wish = snap.wishes.get(pid)
    # The solver's continuity bonus, read from the same set (its
    # Participant.history): see missions.auto_data._history.
    done = snap.history.get(pid, ())
    return {
        "epreuve": mission.epreuve.name if mission.epreuve is not None else None,
        "load": load,
        "cap": None if cap >= UNLIMITED else cap,
        "km": km,
        "continuity": mission.epreuve_id is not None and mission.epreuve_id in done,
        "preferred": wish is not None
        and any(c.pk == mission.centre_id for c in wish.preferred_centres.all()),
    }


def unstaffable(
    snap: Snapshot, data: Problem, unfilled: dict[int, int]
) -> list[dict[str, Any]]:
    """Each mission left with open places, with the people who could take it
    (competent, available, free of overlap, under their maximum, not at their
    own establishment for an oral) against its open places."""
    if not unfilled:
        return []
    selected = snap.selected
    fixed = [a for a in snap.active if not redecidable(a, selected)]
    load = Counter(
        a.participant_id for a in fixed if a.mission.exam.session_id == snap.session.pk
    )
    busy: dict[int, list[Assignment]] = defaultdict(list)
    taken: Counter[int] = Counter()
    for a in fixed:
        busy[a.participant_id].append(a)
        taken[a.mission_id] += 1
    out = []
    for m in snap.missions:
        if not unfilled.get(m.pk):
            continue
        needed = set(half_days(m.starts_at, m.ends_at))
        eligible = 0
        for pid, person in snap.people.items():
            if m.epreuve_id and m.epreuve_id not in snap.competences.get(pid, ()):
                continue
            if not needed <= snap.available.get(pid, set()):
                continue
            if load[pid] >= data.caps[pid]:
                continue
            if any(
                a.mission.starts_at < m.ends_at and m.starts_at < a.mission.ends_at
                for a in busy[pid]
            ):
                continue
            if (
                is_oral(m.epreuve)
                and m.centre.establishment_id
                and person.establishment_id == m.centre.establishment_id
            ):
                continue
            eligible += 1
        out.append(
            {
                "mission": m.pk,
                "epreuve": m.epreuve.name if m.epreuve is not None else None,
                "day": f"{timezone.localdate(m.starts_at):%Y-%m-%d}",
                "places": max(0, m.staffing_need - taken[m.pk]),
                "unfilled": unfilled[m.pk],
                "eligible": eligible,
            }
        )
    return out
