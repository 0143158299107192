"""The solver's data, its eligibility rules and the model it builds.

Plain data only (no Django): the caller reads the database and hands over
participants, missions and the assignments to keep, with their database ids.

Model:

  x[p,m] in {0,1}  for eligible pairs only (competence, availability on every
                   half-day, not own establishment for an oral, not fixed on an
                   overlapping mission, fixed load < cap, not already on m)
  u[m]   >= 0      places of m left open (integral at an optimum)
  z[p,k] in [0,1]  k-th extra mission of p (k = 1..cap - fixed load); their
                   marginal costs increase, so they fill in order

  mission rows      sum_p x[p,m] + u[m] = open places of m
  participant rows  sum_m x[p,m] - sum_k z[p,k] = 0     (so load <= cap)
  overlap rows      sum_{m in C} x[p,m] <= 1 for each maximal clique C of the
                    interval graph of the missions, restricted to p's eligible
                    missions, kept when >= 2 members and not dominated

  minimise  BIG * sum u  +  sum c[p,m] x[p,m]  +  sum f_p(k) z[p,k]

BIG exceeds any change of the other terms that filling one more place may
force, so the objective is lexicographic: places left open first, then cost.
All costs are integers, so |objective - bound| < 1 proves optimality.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

EARTH_RADIUS_KM = 6371.0088
# Mainland France; pass the académie's own centre for overseas territories.
FRANCE = (46.5, 2.5)


@dataclass(frozen=True)
class Participant:
    id: int
    x_km: float  # commune of residence, projected coordinates in km (project())
    y_km: float
    establishment: int | None
    competences: frozenset[int]  # épreuve ids declared
    available: frozenset[int]  # half-day ids declared available in the session
    cap: int  # min(own load_limit, division's maximum)
    preferred_centres: frozenset[int] = frozenset()
    history: frozenset[int] = frozenset()  # épreuves done before (continuity)
    name: str = ""


@dataclass(frozen=True)
class Mission:
    id: int
    epreuve: int | None  # None: no competence asked (invigilation)
    oral: bool  # oral or practical épreuve: own-establishment rule applies
    centre: int
    centre_establishment: int | None
    cx_km: float
    cy_km: float
    start: int  # minutes since an origin; half-open: [start, end)
    end: int
    half_days: tuple[int, ...]  # half-day ids the mission covers
    places: int  # staffing_need
    label: str = ""  # e.g. "correcteurs de philosophie"
    day_label: str = ""  # e.g. "le 5 juillet"


@dataclass(frozen=True)
class Fixed:
    """An active assignment the solver keeps: manual, locked, convoked, or on a
    mission outside the selection. It counts for places, load and overlap."""

    participant: int
    mission: int  # may be a mission outside the selection
    start: int
    end: int
    epreuve: int | None = None


@dataclass
class Weights:
    travel: int = 1  # per km
    balance: int = 10  # marginal cost of the k-th mission: balance * (k - 1)
    continuity: int = 20  # bonus when p already works / worked on the épreuve
    preference: int = 15  # bonus for a preferred centre
    max_per_participant: int | None = None  # division's maximum


@dataclass
class Result:
    """What `solve` found.

    status: "optimal" (proved: gap 0), "time_limit" (time_limit reached) or
    "stopped" (should_stop() answered True). The last two still carry a
    lawful assignment (the best found so far, possibly none) and a valid
    bound. There is no "infeasible": leaving every place open is always a
    solution. objective = big * places_open + cost.
    """

    assignments: list[tuple[int, int]]  # (participant id, mission id), new ones
    objective: float
    bound: float
    gap: float  # percent
    status: str
    unfilled: dict[int, int]  # mission id -> places left open
    timings: dict[str, float] = field(default_factory=dict)
    size: dict[str, int] = field(default_factory=dict)
    cost_parts: dict[str, float] = field(default_factory=dict)
    places_open: int = 0  # first part of the objective
    cost: int = 0  # second part: travel, balance, minus bonuses
    big: int = 0  # the cost of one place left open


def project(
    lat: float, lon: float, origin: tuple[float, float] = FRANCE
) -> tuple[float, float]:
    """(x_km, y_km) of a point, equirectangular around `origin` (lat, lon).

    Distances within a few hundred km of the origin are right within about
    1 %; use one origin (the académie's centre) for every point of a run.
    """
    lat, lon = float(lat), float(lon)  # a Decimal field's value too
    lat0, lon0 = origin
    x = math.radians(lon - lon0) * math.cos(math.radians(lat0))
    return EARTH_RADIUS_KM * x, EARTH_RADIUS_KM * math.radians(lat - lat0)


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def distance_km(p: Participant, m: Mission) -> int:
    return round(math.hypot(p.x_km - m.cx_km, p.y_km - m.cy_km))


def effective_cap(p: Participant, w: Weights) -> int:
    if w.max_per_participant is None:
        return p.cap
    return min(p.cap, w.max_per_participant)


def own_establishment(p: Participant, m: Mission) -> bool:
    """An oral or practical épreuve at the centre of p's establishment."""
    return (
        m.oral
        and m.centre_establishment is not None
        and p.establishment == m.centre_establishment
    )


def maximal_cliques(missions: list[Mission]) -> list[list[int]]:
    """Maximal cliques (as mission indices) of the interval graph, by a sweep.
    Intervals are half-open: touching missions do not overlap."""
    events = []
    for i, m in enumerate(missions):
        events.append((m.start, 1, i))
        events.append((m.end, 0, i))  # an end sorts before a start at equal time
    events.sort()
    active: set[int] = set()
    cliques = []
    last_was_start = False
    for _, kind, i in events:
        if kind == 1:
            active.add(i)
            last_was_start = True
        else:
            if last_was_start:
                cliques.append(sorted(active))
            last_was_start = False
            active.discard(i)
    return cliques


@dataclass
class Built:
    pair_p: np.ndarray  # participant index of each x column
    pair_m: np.ndarray  # mission index of each x column
    pair_cost: np.ndarray
    open_places: np.ndarray  # per mission index
    free_cap: np.ndarray  # cap - fixed load (at most the eligible pairs), per p
    level_cost: list[list[int]]  # per participant index: marginal costs of levels
    overlap_rows: list[np.ndarray]  # each: x column indices, sum <= 1
    eligible_count: np.ndarray  # per mission index
    big: int


def build(
    participants: list[Participant],
    missions: list[Mission],
    fixed: list[Fixed],
    w: Weights,
) -> Built:
    mid_index = {m.id: i for i, m in enumerate(missions)}
    n_p, n_m = len(participants), len(missions)
    fixed_load: dict[int, int] = defaultdict(int)
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    fixed_epreuves: dict[int, set[int]] = defaultdict(set)
    on_mission = set()
    open_places = np.array([m.places for m in missions], dtype=np.int64)
    for f in fixed:
        fixed_load[f.participant] += 1
        busy[f.participant].append((f.start, f.end))
        if f.epreuve is not None:
            fixed_epreuves[f.participant].add(f.epreuve)
        if f.mission in mid_index:
            on_mission.add((f.participant, f.mission))
            i = mid_index[f.mission]
            open_places[i] = max(0, open_places[i] - 1)

    by_epreuve: dict[int | None, list[int]] = defaultdict(list)
    for i, m in enumerate(missions):
        if open_places[i] > 0:
            by_epreuve[m.epreuve].append(i)
    hd_sets = [frozenset(m.half_days) for m in missions]

    pp: list[int] = []
    pm: list[int] = []
    pc: list[int] = []
    free_cap = np.zeros(n_p, dtype=np.int64)
    level_cost: list[list[int]] = []
    for pi, p in enumerate(participants):
        base = fixed_load[p.id]
        free = max(0, effective_cap(p, w) - base)
        level_cost.append([])
        if free == 0:
            continue
        before = len(pp)
        mine = busy.get(p.id, [])
        continuity = set(p.history) | fixed_epreuves.get(p.id, set())
        candidates = list(by_epreuve.get(None, ()))
        for e in p.competences:
            candidates.extend(by_epreuve.get(e, ()))
        # The rules of own_establishment() and overlaps(), inlined: this loop
        # runs once per pair (200,000 at 5,000 x 1,000).
        avail, est, x, y = p.available, p.establishment, p.x_km, p.y_km
        for i in candidates:
            m = missions[i]
            if not hd_sets[i] <= avail:
                continue
            if m.oral and est is not None and est == m.centre_establishment:
                continue
            if mine and (
                (p.id, m.id) in on_mission
                or any(m.start < e and s < m.end for s, e in mine)
            ):
                continue
            cost = w.travel * round(math.hypot(x - m.cx_km, y - m.cy_km))
            if m.epreuve is not None and m.epreuve in continuity:
                cost -= w.continuity
            if m.centre in p.preferred_centres:
                cost -= w.preference
            pp.append(pi)
            pm.append(i)
            pc.append(cost)
        # No more levels than missions p may take: a cap of 1,000 ("no
        # limit") must not make 1,000 columns per person.
        free = min(free, len(pp) - before)
        free_cap[pi] = free
        level_cost[pi] = [w.balance * (base + k) for k in range(free)]
    pair_p = np.array(pp, dtype=np.int64)
    pair_m = np.array(pm, dtype=np.int64)
    costs = np.array(pc, dtype=np.int64)
    eligible_count = np.bincount(pair_m, minlength=n_m)
    overlap_rows = _overlap_rows(missions, pair_p, pair_m, free_cap)

    # BIG: an unfilled place costs more than any change of the other terms a
    # filled place may force: range of pair costs * places + range of levels.
    span = int(costs.max() - min(0, costs.min())) if len(pc) else 0
    max_level = max((max(lc) for lc in level_cost if lc), default=0)
    big = (span + max_level + 1) * int(open_places.sum() + 1) + 1
    return Built(
        pair_p,
        pair_m,
        costs,
        open_places,
        free_cap,
        level_cost,
        overlap_rows,
        eligible_count,
        big,
    )


def _overlap_rows(
    missions: list[Mission],
    pair_p: np.ndarray,
    pair_m: np.ndarray,
    free_cap: np.ndarray,
) -> list[np.ndarray]:
    """Maximal cliques restricted to each participant's eligible missions."""
    cliques = maximal_cliques(missions)
    m_cliques: list[list[int]] = [[] for _ in missions]
    for ci, c in enumerate(cliques):
        if len(c) >= 2:
            for i in c:
                m_cliques[i].append(ci)
    rows: list[np.ndarray] = []
    n_p = len(free_cap)
    # build() appends the pairs participant by participant: pair_p is sorted.
    starts = np.searchsorted(pair_p, np.arange(n_p + 1)).tolist()
    mission_of, caps = pair_m.tolist(), free_cap.tolist()
    for pi in range(n_p):
        first, last = starts[pi], starts[pi + 1]
        # With one mission free, the participant row already says it.
        if last - first < 2 or caps[pi] <= 1:
            continue
        groups: dict[int, list[int]] = defaultdict(list)
        for col in range(first, last):
            for ci in m_cliques[mission_of[col]]:
                groups[ci].append(col)
        found = {tuple(g) for g in groups.values() if len(g) >= 2}
        kept: list[set[int]] = []
        for cols in sorted(found, key=len, reverse=True):
            if not any(kept_set.issuperset(cols) for kept_set in kept):
                kept.append(set(cols))
                rows.append(np.array(cols, dtype=np.int64))
    return rows
