"""The assignment solver (missions.solver): optimal against an exact brute
force on tiny instances, lawful on larger ones, the MIP step, the edge cases,
should_stop, the time limit and progress. Pure: no database."""

from __future__ import annotations

import importlib
import math
import random
from decimal import Decimal
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missions import solver

DAY = 24 * 60
HALF = 4  # half-days in the tiny calendar (2 days)
# The module, not the function missions.solver.solve that shadows it.
solve_module = importlib.import_module("missions.solver.solve")


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


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny())
def test_optimal_against_a_brute_force(instance):
    participants, missions, fixed, w = instance
    result = solver.solve(participants, missions, fixed, w)
    lawful(participants, missions, fixed, w, result)
    assert (result.places_open, result.cost) == brute_force(*instance)
    assert result.status == "optimal"
    assert result.gap == 0.0 and result.bound == result.objective


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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(medium())
def test_hard_rules_never_broken(instance):
    result = solver.solve(*instance)
    lawful(*instance, result)
    assert result.status == "optimal" and result.gap == 0.0


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


def test_a_fractional_lp_reaches_the_mip_step():
    people, missions, fixed, w = odd_cycle()
    result = solver.solve(people, missions, fixed, w)
    lawful(people, missions, fixed, w, result)
    assert result.size["mip_rounds"] >= 1 and "mip" in result.timings
    assert result.places_open == 1 and result.status == "optimal"
    assert result.gap == 0.0 and result.bound == result.objective
    assert (result.places_open, result.cost) == brute_force(people, missions, fixed, w)


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


def test_optimal_against_a_brute_force_through_the_mip_step():
    through_mip = 0
    for seed in range(40):
        instance = odd_cycles(seed)
        result = solver.solve(*instance)
        lawful(*instance, result)
        assert (result.places_open, result.cost) == brute_force(*instance), seed
        assert result.status == "optimal" and result.gap == 0.0
        through_mip += result.size["mip_rounds"] > 0
    assert through_mip >= 10  # 16 of these 40 instances have a fractional LP


def test_an_integral_lp_needs_no_mip():
    people = [person(1, cap=2, available=(0, 1))]
    result = solver.solve(people, [mission(1, 480, 720)], [], solver.Weights())
    assert result.assignments == [(1, 1)] and result.size["mip_rounds"] == 0


def test_no_limit_makes_no_more_levels_than_missions_one_may_take():
    """A cap of 1,000 (the caller's "no limit") must not make 1,000 columns."""
    ms = [mission(1, 480, 600), mission(2, 600, 720), mission(3, 480, 600, epreuve=4)]
    w = solver.Weights()
    built = solver.build([person(1, cap=1000)], ms, [solver.Fixed(1, 9, 0, 60)], w)
    assert built.level_cost == [[10, 20]]
    result = solver.solve([person(1, cap=1000)], ms, [], w)
    assert sorted(result.assignments) == [(1, 1), (1, 2)] and result.cost == 10


def test_touching_missions_do_not_overlap():
    # 8-10 and 10-12 may be done by the same person (rules.py: strict <).
    ms = [mission(1, 480, 600), mission(2, 600, 720), mission(3, 540, 660)]
    assert solver.maximal_cliques(ms) == [[0, 2], [1, 2]]
    result = solver.solve([person(1, cap=3)], ms[:2], [], solver.Weights())
    assert sorted(result.assignments) == [(1, 1), (1, 2)] and result.gap == 0.0
    # ... but not 8-10 and 9-11.
    result = solver.solve([person(1, cap=3)], [ms[0], ms[2]], [], solver.Weights())
    assert len(result.assignments) == 1 and result.places_open == 1


@pytest.mark.parametrize(
    "people, missions, fixed",
    [
        ([], [], []),
        ([person(1)], [], []),
        ([], [mission(1, 480, 720, places=3)], []),
        # Nobody competent: no pair at all.
        ([person(1)], [mission(1, 480, 720, places=2, epreuve=5)], []),
        # A mission with no place, one already full.
        ([person(1)], [mission(1, 480, 720, places=0)], []),
        (
            [person(1), person(2)],
            [mission(1, 480, 720)],
            [solver.Fixed(2, 1, 480, 720)],
        ),
    ],
)
def test_empty_inputs(people, missions, fixed):
    w = solver.Weights()
    result = solver.solve(people, missions, fixed, w)
    lawful(people, missions, fixed, w, result)
    assert result.assignments == [] and result.status == "optimal"
    assert result.bound == result.objective and result.gap == 0.0
    assert result.places_open == brute_force(people, missions, fixed, w)[0]


def test_should_stop_is_honoured_at_once():
    people, missions, fixed, w = odd_cycle()
    asked = []
    result = solver.solve(
        people, missions, fixed, w, should_stop=lambda: asked.append(1) or True
    )
    assert asked and result.status == "stopped"
    assert "lp" in result.timings and result.size["lp_rounds"] == 0
    lawful(people, missions, fixed, w, result)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(medium(), st.integers(1, 40))
def test_stopping_midway_leaves_a_lawful_answer(instance, after):
    participants, missions, fixed, w = instance
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) >= after

    every = solve_module.STOP_CHECK_EVERY
    solve_module.STOP_CHECK_EVERY = 0.0  # ask at every HiGHS callback
    try:
        result = solver.solve(participants, missions, fixed, w, should_stop=should_stop)
    finally:
        solve_module.STOP_CHECK_EVERY = every
    lawful(participants, missions, fixed, w, result)
    assert result.status in ("optimal", "stopped")
    if len(calls) < after:  # never told to stop
        assert result.status == "optimal"
    if result.status == "optimal":
        assert result.gap == 0.0


@pytest.fixture
def stop_checked_at_every_callback():
    every = solve_module.STOP_CHECK_EVERY
    solve_module.STOP_CHECK_EVERY = 0.0
    yield
    solve_module.STOP_CHECK_EVERY = every


@pytest.mark.usefixtures("stop_checked_at_every_callback")
def test_stopped_anywhere_the_answer_is_lawful_and_the_bound_valid():
    statuses = set()
    for seed in range(12):
        instance = odd_cycles(seed)
        best = brute_force(*instance)
        asked: list[int] = []
        solver.solve(*instance, should_stop=lambda asked=asked: asked.append(1))
        for after in range(1, len(asked) + 2):  # LP, MIP, never
            calls = []

            def should_stop(calls=calls, after=after):
                calls.append(1)
                return len(calls) >= after

            result = solver.solve(*instance, should_stop=should_stop)
            lawful(*instance, result)
            optimum = result.big * best[0] + best[1]
            assert result.bound <= optimum <= result.objective
            if result.status == "optimal":
                assert result.objective == optimum
            statuses.add((result.status, result.size["mip_rounds"] > 0))
    assert statuses == {
        ("optimal", False),
        ("optimal", True),
        ("stopped", False),
        ("stopped", True),
    }


@pytest.mark.usefixtures("stop_checked_at_every_callback")
@pytest.mark.parametrize("after", [1, 3, 8, 15])
def test_an_error_of_should_stop_comes_out_as_it_is(after):
    """Raised inside HiGHS's callback too, not turned into a solve error."""
    calls = []

    def should_stop():
        calls.append(1)
        if len(calls) >= after:
            raise ConnectionError("database gone")
        return False

    with pytest.raises(ConnectionError, match="database gone"):
        solver.solve(*odd_cycles(1), should_stop=should_stop)


def test_time_limit():
    people, missions, fixed, w = odd_cycle()
    result = solver.solve(people, missions, fixed, w, time_limit=0.0)
    assert result.status == "time_limit"
    lawful(people, missions, fixed, w, result)


def test_progress_never_goes_back_and_ends_done():
    seen = []
    people, missions, fixed, w = odd_cycle()
    solver.solve(people, missions, fixed, w, progress=lambda *a: seen.append(a))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and seen[-1] == ("done", 1.0)
    assert {phase for phase, _ in seen} <= {"build", "lp", "mip", "done"}
    assert {"build", "lp", "mip"} <= {phase for phase, _ in seen}


def test_another_thread_count_in_the_same_process():
    people, missions, fixed, w = odd_cycle()
    for threads in (1, 2, 1):
        result = solver.solve(people, missions, fixed, w, threads=threads)
        assert result.status == "optimal" and result.places_open == 1


def test_project_paris_lyon():
    paris = solver.project(48.8566, 2.3522)
    lyon = solver.project(Decimal("45.7640"), Decimal("4.8357"))
    assert math.dist(paris, lyon) == pytest.approx(392, rel=0.01)
    # Around another origin (Tahiti), a degree of latitude is still ~111 km.
    a = solver.project(-17.5, -149.5, origin=(-17.6, -149.4))
    b = solver.project(-16.5, -149.5, origin=(-17.6, -149.4))
    assert math.dist(a, b) == pytest.approx(111.2, rel=0.001)


def test_unstaffable_reasons_are_structured():
    w = solver.Weights()
    missions = [
        mission(1, 480, 720, places=3, epreuve=1),  # one competent person
        mission(2, 480 + DAY, 720 + DAY, places=2, epreuve=2),  # these two at
        mission(3, 600 + DAY, 840 + DAY, places=2, epreuve=2),  # the same time
        mission(4, 480 + 2 * DAY, 720 + 2 * DAY, places=1, epreuve=3),
        mission(5, 480 + 3 * DAY, 720 + 3 * DAY, places=1, epreuve=3),
    ]
    everything = range(8)
    people = [
        person(1, competences=[1], available=everything),
        *(person(i, competences=[2], available=everything) for i in (2, 3, 4)),
        person(5, competences=[3], available=everything),  # cap 1: one of 4, 5
    ]
    result = solver.solve(people, missions, [], w)
    reasons = solver.unstaffable_reasons(people, missions, [], w, result)
    assert reasons[1] == solver.Unstaffable(1, solver.TOO_FEW, 1, 3, 2)
    short = [reasons[m] for m in (2, 3) if m in reasons]
    assert [(r.kind, r.people, r.places, r.missions_together) for r in short] == [
        (solver.TOO_FEW_TOGETHER, 3, 4, 2)
    ]
    (other,) = [reasons[m] for m in (4, 5) if m in reasons]
    assert (other.kind, other.people, other.places) == (solver.TAKEN_ELSEWHERE, 1, 1)


def test_line_reasons():
    w = solver.Weights()
    m = mission(7, 480, 720, epreuve=1, centre=3, cx_km=30.0)
    p = person(1, cap=3, competences=[1], x_km=4.0, preferred_centres=frozenset({3}))
    fixed = [solver.Fixed(1, 99, 480 + DAY, 720 + DAY, epreuve=1)]
    result = solver.solve([p], [m], fixed, w)
    assert result.assignments == [(1, 7)]
    (reason,) = solver.line_reasons([p], [m], fixed, w, result.assignments).values()
    assert reason == solver.LineReason(
        participant=1,
        mission=7,
        epreuve=1,
        competent=True,
        available=True,
        load_after=2,
        cap=3,
        km=26,
        continuity=True,
        preferred_centre=True,
    )
    assert result.cost == 26 - w.continuity - w.preference + w.balance
