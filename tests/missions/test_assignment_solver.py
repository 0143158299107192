"""The assignment solver (missions.solver): optimal against an exact brute
force on tiny instances, lawful on larger ones, the MIP step, the edge cases,
the projection and the reasons. Pure: no database. Stopping, the time limit
and progress: test_assignment_solver_control.py."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from missions import solver
from tests.missions.solver_instances import (
    DAY,
    brute_force,
    lawful,
    medium,
    mission,
    odd_cycle,
    odd_cycles,
    person,
    tiny,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny())
def test_optimal_against_a_brute_force(instance):
    participants, missions, fixed, w = instance
    result = solver.solve(participants, missions, fixed, w)
    lawful(participants, missions, fixed, w, result)
    assert (result.places_open, result.cost) == brute_force(*instance)
    assert result.status == "optimal"
    assert result.gap == 0.0 and result.bound == result.objective


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(medium())
def test_hard_rules_never_broken(instance):
    result = solver.solve(*instance)
    lawful(*instance, result)
    assert result.status == "optimal" and result.gap == 0.0


def test_a_fractional_lp_reaches_the_mip_step():
    people, missions, fixed, w = odd_cycle()
    result = solver.solve(people, missions, fixed, w)
    lawful(people, missions, fixed, w, result)
    assert result.size["mip_rounds"] >= 1 and "mip" in result.timings
    assert result.places_open == 1 and result.status == "optimal"
    assert result.gap == 0.0 and result.bound == result.objective
    assert (result.places_open, result.cost) == brute_force(people, missions, fixed, w)


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
