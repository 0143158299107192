"""The assignment solver under control: should_stop (at once, midway, at
every HiGHS callback, raising), the time limit, progress and the thread
count. Pure: no database."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missions import solver
from tests.missions.solver_instances import (
    brute_force,
    lawful,
    medium,
    odd_cycle,
    odd_cycles,
)

# The module, not the function missions.solver.solve that shadows it.
solve_module = importlib.import_module("missions.solver.solve")


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
