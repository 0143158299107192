"""Every hard rule, checked on the final state, independently of the model."""

from __future__ import annotations

from collections import defaultdict

from .model import (
    Fixed,
    Mission,
    Participant,
    Weights,
    effective_cap,
    overlaps,
    own_establishment,
)


def check_solution(
    participants: list[Participant],
    missions: list[Mission],
    fixed: list[Fixed],
    new: list[tuple[int, int]],
    w: Weights,
) -> list[str]:
    """The broken rules of fixed + new, as short English lines (for logs and
    tests). Only those involving a new assignment: fixed ones may be a
    manager's deliberate override."""
    by_id = {p.id: p for p in participants}
    mission_of = {m.id: m for m in missions}
    errors = []
    by_p: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)
    per_mission: dict[int, int] = defaultdict(int)
    fixed_pairs = {(f.participant, f.mission) for f in fixed}
    for f in fixed:
        by_p[f.participant].append((f.start, f.end, False))
        per_mission[f.mission] += 1
    seen = set()
    for pid, mid in new:
        if (pid, mid) in seen:
            errors.append(f"{pid},{mid}: twice")
        seen.add((pid, mid))
        if (pid, mid) in fixed_pairs:
            errors.append(f"{pid},{mid}: already fixed")
        p, m = by_id[pid], mission_of[mid]
        per_mission[mid] += 1
        if m.epreuve is not None and m.epreuve not in p.competences:
            errors.append(f"{pid},{mid}: competence")
        if not set(m.half_days) <= p.available:
            errors.append(f"{pid},{mid}: availability")
        if own_establishment(p, m):
            errors.append(f"{pid},{mid}: own establishment")
        by_p[pid].append((m.start, m.end, True))
    touched = {mid for _, mid in new}
    for mid, n in per_mission.items():
        if mid in touched and n > mission_of[mid].places:
            errors.append(f"mission {mid}: {n} > {mission_of[mid].places}")
    for pid, items in by_p.items():
        if not any(is_new for _, _, is_new in items):
            continue
        cap = effective_cap(by_id[pid], w)
        if len(items) > cap:
            errors.append(f"{pid}: load {len(items)} > {cap}")
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if (a[2] or b[2]) and overlaps(a[0], a[1], b[0], b[1]):
                    errors.append(f"{pid}: overlap {a[:2]} {b[:2]}")
    return errors
