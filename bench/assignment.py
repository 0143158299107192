"""Benchmark: the optimal automatic assignment of a whole session.

Builds a synthetic session (bench/assignment_instances.py: 5,000
participants and 1,000 missions of 2 to 20 places by default), solves it with
missions.solver (HiGHS: column generation, reduced-cost fixing, small MIP),
checks every hard rule on the answer (exit status 1 if one is broken), and
prints the objective (places left open, then cost), the bound proved and the
gap, the time, the peak memory and, first, the same for 500 x 100. No
database, no Django. The last line sums it up:

    assignment: P participants, M missions, objective X, bound B, gap G %, T s

    .venv/bin/python bench/assignment.py [participants missions] [--seed N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assignment_instances import generate  # noqa: E402

from missions import solver  # noqa: E402


def run(n_participants: int, n_missions: int, seed: int, threads: int) -> str:
    t0 = time.perf_counter()
    participants, missions, fixed = generate(n_participants, n_missions, seed)
    made = time.perf_counter() - t0
    weights = solver.Weights()
    t0 = time.perf_counter()
    result = solver.solve(participants, missions, fixed, weights, threads=threads)
    seconds = time.perf_counter() - t0
    broken = solver.check_solution(
        participants, missions, fixed, result.assignments, weights
    )
    places = sum(m.places for m in missions)
    print(
        f"{n_participants} x {n_missions} (seed {seed}): generated in {made:.2f} s; "
        f"{places} places, {len(fixed)} kept assignments; status {result.status}"
    )
    print(
        "  timings "
        + ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
        + "; size "
        + ", ".join(f"{k} {v}" for k, v in result.size.items())
    )
    print(
        f"  {len(result.assignments)} new assignments; places left open "
        f"{result.places_open} in {len(result.unfilled)} missions; cost "
        f"{result.cost}; one open place costs {result.big}"
    )
    reasons = solver.unstaffable_reasons(participants, missions, fixed, weights, result)
    by_id = {m.id: m for m in missions}
    for mid, why in list(reasons.items())[:5]:
        m = by_id[mid]
        print(
            f"  short: mission {mid}, {why.kind}: {why.people} {m.label} "
            f"{m.day_label} for {why.places} places "
            f"({why.missions_together} missions), {why.left_open} left open"
        )
    print(f"  hard rules broken: {len(broken)}", *broken[:5], sep="\n    ")
    if broken:
        raise SystemExit(1)
    return (
        f"assignment: {n_participants} participants, {n_missions} missions, "
        f"objective {result.objective:.0f}, bound {result.bound:.0f}, "
        f"gap {result.gap:.2f} %, {seconds:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("participants", type=int, nargs="?", default=5000)
    parser.add_argument("missions", type=int, nargs="?", default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    print("before:", run(500, 100, args.seed, args.threads))
    last = run(args.participants, args.missions, args.seed, args.threads)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"peak memory (ru_maxrss) {usage.ru_maxrss / 1024:.0f} MB; cpu "
        f"{usage.ru_utime + usage.ru_stime:.1f} s; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
        + f" on {os.cpu_count()} cores"
    )
    print(last)


if __name__ == "__main__":
    main()
