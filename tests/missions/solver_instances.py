"""Instances of the assignment solver for its tests: tiny ones an exact
brute force solves, medium generated ones, and odd cycles whose LP is
fractional (they reach the MIP step); `lawful` checks an answer."""

from __future__ import annotations

import math
import random
from itertools import combinations

from hypothesis import strategies as st

from missions import solver

DAY = 24 * 60
HALF = 4  # half-days in the tiny calendar (2 days)


def half_days_of(start: int, end: int) -> tuple[int, ...]:
    out = []
    for d in range(start // DAY, (end - 1) // DAY + 1):
        if start < d * DAY + 12 * 60 and end > d * DAY:
            out.append(2 * d)
        if start < (d + 1) * DAY and end > d * DAY + 12 * 60:
            out.append(2 * d + 1)
    return tuple(out)


def mission(i, start, end, places=1, epreuve=None, **kw):
    return solver.Mission(
        id=i,
        epreuve=epreuve,
        oral=kw.pop("oral", False),
        centre=kw.pop("centre", 0),
        centre_establishment=kw.pop("centre_establishment", None),
        cx_km=kw.pop("cx_km", 0.0),
        cy_km=0.0,
        start=start,
        end=end,
        half_days=half_days_of(start, end),
        places=places,
        **kw,
    )


def person(i, cap=1, competences=(), available=(0, 1, 2, 3), **kw):
    return solver.Participant(
        id=i,
        x_km=kw.pop("x_km", 0.0),
        y_km=0.0,
        establishment=kw.pop("establishment", None),
        competences=frozenset(competences),
        available=frozenset(available),
        cap=cap,
        **kw,
    )


@st.composite
def tiny(draw):
    n_p, n_m = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    missions = []
    for i in range(n_m):
        first = draw(st.integers(0, HALF - 1))
        length = draw(st.integers(1, min(2, HALF - first)))
        d, h = divmod(first, 2)
        start = d * DAY + (13 * 60 + 30 if h else 8 * 60)
        start += draw(st.sampled_from([0, 0, 120]))
        ld, lh = divmod(first + length - 1, 2)
        end = ld * DAY + (17 * 60 if lh else 12 * 60)
        end = max(start + 60, end - draw(st.sampled_from([0, 0, 90])))
        centre = draw(st.integers(0, 2))
        missions.append(
            mission(
                100 + i,
                start,
                end,
                places=draw(st.integers(1, 3)),
                epreuve=draw(st.sampled_from([None, 0, 1, 2])),
                oral=draw(st.booleans()),
                centre=centre,
                centre_establishment=draw(st.sampled_from([None, 0, 1])),
                cx_km=10.0 * centre,
            )
        )
    participants = [
        person(
            i,
            cap=draw(st.integers(1, 3)),
            competences=draw(st.sets(st.integers(0, 2), max_size=3)),
            available=draw(st.sets(st.integers(0, HALF - 1), min_size=1)),
            x_km=draw(st.floats(0, 30)),
            establishment=draw(st.sampled_from([None, 0, 1])),
            preferred_centres=frozenset(draw(st.sets(st.integers(0, 2), max_size=1))),
            history=frozenset(draw(st.sets(st.integers(0, 2), max_size=1))),
        )
        for i in range(n_p)
    ]
    fixed: list[solver.Fixed] = []
    for _ in range(draw(st.integers(0, 3))):
        p = draw(st.sampled_from(participants))
        if draw(st.booleans()):
            m = draw(st.sampled_from(missions))
            if all((f.participant, f.mission) != (p.id, m.id) for f in fixed):
                fixed.append(solver.Fixed(p.id, m.id, m.start, m.end, m.epreuve))
        else:  # busy on another exam
            d = draw(st.integers(0, 1))
            start = d * DAY + 9 * 60
            fixed.append(solver.Fixed(p.id, 900 + len(fixed), start, start + 120))
    weights = solver.Weights(
        travel=draw(st.integers(0, 3)),
        balance=draw(st.integers(0, 20)),
        continuity=draw(st.integers(0, 30)),
        preference=draw(st.integers(0, 30)),
        max_per_participant=draw(st.sampled_from([None, 1, 2])),
    )
    return participants, missions, fixed, weights


def brute_force(participants, missions, fixed, w):
    """Exact optimum (places left open, cost): a dynamic programme over the
    participants, the state being the places still open per mission; the
    rules written again here, independently of the solver's model."""
    open0 = tuple(
        max(0, m.places - sum(f.mission == m.id for f in fixed)) for m in missions
    )
    states = {open0: 0}
    for p in participants:
        mine = [f for f in fixed if f.participant == p.id]
        cap = (
            p.cap
            if w.max_per_participant is None
            else min(p.cap, w.max_per_participant)
        )
        done = set(p.history) | {f.epreuve for f in mine if f.epreuve is not None}
        ok = [
            i
            for i, m in enumerate(missions)
            if (m.epreuve is None or m.epreuve in p.competences)
            and set(m.half_days) <= p.available
            and not (
                m.oral
                and m.centre_establishment is not None
                and p.establishment == m.centre_establishment
            )
            and all(f.mission != m.id for f in mine)
            and all(not (m.start < f.end and f.start < m.end) for f in mine)
        ]
        options = []
        for r in range(len(ok) + 1):
            for sub in combinations(ok, r):
                if r and len(mine) + r > cap:
                    continue
                if any(
                    missions[a].start < missions[b].end
                    and missions[b].start < missions[a].end
                    for a, b in combinations(sub, 2)
                ):
                    continue
                c = sum(w.balance * (len(mine) + k) for k in range(r))
                for i in sub:
                    m = missions[i]
                    c += w.travel * round(
                        math.hypot(p.x_km - m.cx_km, p.y_km - m.cy_km)
                    )
                    c -= (
                        w.continuity
                        if m.epreuve is not None and m.epreuve in done
                        else 0
                    )
                    c -= w.preference if m.centre in p.preferred_centres else 0
                options.append((sub, c))
        after: dict[tuple[int, ...], int] = {}
        for state, cost in states.items():
            for sub, c in options:
                if any(state[i] == 0 for i in sub):
                    continue
                s = list(state)
                for i in sub:
                    s[i] -= 1
                key = tuple(s)
                if key not in after or cost + c < after[key]:
                    after[key] = cost + c
        states = after
    return min((sum(s), c) for s, c in states.items())


def lawful(participants, missions, fixed, w, result):
    assert (
        solver.check_solution(participants, missions, fixed, result.assignments, w)
        == []
    )
    assert result.objective == result.big * result.places_open + result.cost
    assert result.bound <= result.objective
    assert sum(result.unfilled.values()) == result.places_open


@st.composite
def medium(draw):
    """Up to 60 people and 25 missions on 3 days, several épreuves, fixed
    assignments (some breaking a rule), random weights."""
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    n_p, n_m = draw(st.integers(5, 60)), draw(st.integers(3, 25))
    missions = []
    for i in range(n_m):
        start = rnd.randrange(3) * DAY + rnd.choice([8, 10, 13, 14]) * 60
        end = start + rnd.choice([2, 4, 5, 28]) * 60
        missions.append(
            mission(
                i,
                start,
                end,
                places=rnd.randint(1, 6),
                epreuve=rnd.choice([None, 0, 1, 2, 3]),
                oral=rnd.random() < 0.5,
                centre=rnd.randrange(4),
                centre_establishment=rnd.choice([None, 0, 1, 2]),
                cx_km=rnd.uniform(0, 80),
            )
        )
    participants = [
        person(
            i,
            cap=rnd.randint(1, 4),
            competences=rnd.sample(range(4), rnd.randint(0, 3)),
            available=[h for h in range(8) if rnd.random() < 0.7],
            x_km=rnd.uniform(0, 80),
            establishment=rnd.choice([None, 0, 1, 2]),
            preferred_centres=frozenset(rnd.sample(range(4), rnd.randint(0, 1))),
            history=frozenset(rnd.sample(range(4), rnd.randint(0, 2))),
        )
        for i in range(n_p)
    ]
    fixed = []
    for m in missions:
        for p in rnd.sample(participants, min(len(participants), rnd.randint(0, 2))):
            fixed.append(solver.Fixed(p.id, m.id, m.start, m.end, m.epreuve))
    w = solver.Weights(
        travel=rnd.randint(0, 3),
        balance=rnd.randint(0, 30),
        continuity=rnd.randint(0, 30),
        preference=rnd.randint(0, 30),
        max_per_participant=rnd.choice([None, 1, 2, 3]),
    )
    return participants, missions, fixed, w


def odd_cycle():
    """x 8-12, y 10-14, z 12-16, one place each; y asks an épreuve only p has.
    p (cap 2) may take x and z, or y; q (cap 1) x or z. The LP fills x and z
    and half of y (every pair at 1/2: an odd cycle x, p's {x, y}, p's {y, z},
    z, q); an integral answer leaves one place open."""
    missions = [
        mission(1, 480, 720),
        mission(2, 600, 840, epreuve=1),
        mission(3, 720, 960),
    ]
    people = [
        person(1, cap=2, competences=[1], available=(0, 1)),
        person(2, cap=1, available=(0, 1)),
    ]
    return people, missions, [], solver.Weights()


def odd_cycles(seed):
    """One or two odd cycles as above (on days of their own, with random
    times, places, positions, caps and weights), and maybe one more person."""
    rnd = random.Random(seed)
    people, missions = [], []
    for g in range(rnd.randint(1, 2)):
        day, epreuve, hd = g * DAY, 10 + g, [2 * g, 2 * g + 1]
        x = day + rnd.choice([420, 480, 540])
        y = x + rnd.choice([60, 120, 180])  # overlaps x ...
        z = x + 240  # ... and z, which x only touches
        for start, end, e in ((x, z, None), (y, z + 60, epreuve), (z, z + 240, None)):
            missions.append(
                mission(
                    len(missions) + 1,
                    start,
                    end,
                    places=rnd.randint(1, 2),
                    epreuve=e,
                    cx_km=rnd.uniform(0, 40),
                )
            )
        people.append(
            person(
                len(people) + 1,
                cap=rnd.randint(2, 3),
                competences=[epreuve],
                available=hd,
                x_km=rnd.uniform(0, 40),
            )
        )
        people.append(person(len(people) + 1, available=hd, x_km=rnd.uniform(0, 40)))
    if rnd.random() < 0.5:
        people.append(
            person(
                len(people) + 1,
                cap=rnd.randint(1, 3),
                competences=rnd.sample([10, 11], rnd.randint(0, 2)),
                available=rnd.sample(range(4), rnd.randint(1, 4)),
                x_km=rnd.uniform(0, 40),
            )
        )
    w = solver.Weights(
        travel=rnd.randint(0, 3),
        balance=rnd.randint(0, 30),
        max_per_participant=rnd.choice([None, 2, 3]),
    )
    return people, missions, [], w
