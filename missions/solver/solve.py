"""The optimal assignment, with HiGHS.

1. Column generation on one warm-started LP: start from each mission's
   cheapest eligible pairs, price every pair with the duals, add the most
   negative ones, until none is left. Each round gives a Lagrangian bound
   valid for the FULL problem.
2. If the LP optimum is integral, it is the optimum. Otherwise reduced-cost
   fixing: a solution using pair j costs at least lb + rc_j, so a MIP over the
   pairs with rc_j <= delta finds the optimum when its value V is at most
   floor(lb + delta) + 1; else delta jumps to V - 1 - lb (exactly the pairs
   that could still improve on V) and the MIP runs again, warm-started.

should_stop() and the time limit are checked between rounds and inside
HiGHS (its interrupt callbacks); an interrupted run returns the best lawful
assignment found so far (the last MIP's incumbent, or the LP rounded greedily).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np

from .model import Built, Fixed, Mission, Participant, Result, Weights, build

Progress = Callable[[str, float], None]
ShouldStop = Callable[[], bool]
STOP_CHECK_EVERY = 0.5  # seconds between two calls of should_stop()
_scheduler_threads: list[int] = []  # HiGHS's global scheduler's thread count
MIP_INTERRUPT = highspy.cb.HighsCallbackType.kCallbackMipInterrupt


@dataclass
class _Watch:
    """Time limit, should_stop() (called at most every STOP_CHECK_EVERY s) and
    a monotone progress report."""

    deadline: float
    should_stop: ShouldStop | None
    report: Progress | None
    why: str = ""
    error: BaseException | None = None  # raised in a HiGHS callback
    last_check: float = -math.inf
    done: float = 0.0  # the last fraction reported
    phase: str = ""

    def halted(self) -> bool:
        now = time.perf_counter()
        if not self.why and now >= self.deadline:
            self.why = "time_limit"
        stop = self.should_stop
        if not self.why and stop and now - self.last_check >= STOP_CHECK_EVERY:
            self.last_check = now
            if stop():
                self.why = "stopped"
        return bool(self.why)

    def ran(self, h: highspy.Highs) -> None:
        """h.run(), then raise what a callback raised during it."""
        h.run()
        if self.error is not None:
            raise self.error

    def progress(self, phase: str, fraction: float) -> None:
        """Reported on a new phase, or a step of 1 % (HiGHS's MIP callback
        comes at every node: the caller may write each report down)."""
        fraction = max(self.done, min(1.0, fraction))
        if self.report is not None and (
            phase != self.phase or fraction - self.done >= 0.01
        ):
            self.report(phase, fraction)
            self.phase, self.done = phase, fraction


@dataclass
class _Run:
    b: Built
    h: highspy.Highs
    base: int  # model columns before the x columns (u then z)
    cstart: np.ndarray  # CSC of every pair's column over all rows
    cidx: np.ndarray
    model_col: np.ndarray  # pair -> model column, -1 when not in the model
    pairs_in: list[np.ndarray] = field(default_factory=list)

    def add(self, cols: np.ndarray) -> None:
        cols = np.sort(cols)
        lens = self.cstart[cols + 1] - self.cstart[cols]
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int32)
        idx = np.concatenate(
            [self.cidx[self.cstart[c] : self.cstart[c + 1]] for c in cols]
        ).astype(np.int32)
        n0 = self.h.getNumCol()
        n = len(cols)
        self.h.addCols(
            n,
            self.b.pair_cost[cols].astype(float),
            np.zeros(n),
            np.ones(n),
            len(idx),
            starts,
            idx,
            np.ones(len(idx)),
        )
        self.model_col[cols] = n0 + np.arange(n)
        self.pairs_in.append(cols)

    def model_pairs(self) -> np.ndarray:
        return np.concatenate(self.pairs_in)


def _full_csc(b: Built) -> tuple[np.ndarray, np.ndarray]:
    """CSC of the x columns over all rows (missions, participants, overlaps)."""
    n_x, n_m, n_p = len(b.pair_p), len(b.open_places), len(b.free_cap)
    rows = [b.pair_m, n_m + b.pair_p]
    cols = [np.arange(n_x), np.arange(n_x)]
    if b.overlap_rows:
        lens = np.array([len(r) for r in b.overlap_rows])
        rows.append(n_m + n_p + np.repeat(np.arange(len(lens)), lens))
        cols.append(np.concatenate(b.overlap_rows))
    r, c = np.concatenate(rows), np.concatenate(cols)
    order = np.lexsort((r, c))
    r, c = r[order], c[order]
    return np.searchsorted(c, np.arange(n_x + 1)), r


def _highs(b: Built, threads: int, verbose: bool, watch: _Watch) -> highspy.Highs:
    """HiGHS holding the rows, the u columns and the z columns."""
    n_m, n_p, n_o = len(b.open_places), len(b.free_cap), len(b.overlap_rows)
    inf = highspy.kHighsInf
    lvl_p = [pi for pi, lc in enumerate(b.level_cost) for _ in lc]
    lvl_c = [float(c) for lc in b.level_cost for c in lc]
    n_z = len(lvl_p)
    h = highspy.Highs()
    h.setOptionValue("output_flag", verbose)
    if _scheduler_threads != [threads]:
        # The scheduler is global and refuses another thread count until reset.
        highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads[:] = [threads]
    h.setOptionValue("threads", threads)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1 - 1e-6)  # integer objective
    lp = highspy.HighsLp()
    lp.num_col_ = n_m + n_z
    lp.num_row_ = n_m + n_p + n_o
    lp.col_cost_ = np.concatenate([np.full(n_m, float(b.big)), lvl_c])
    lp.col_lower_ = np.zeros(n_m + n_z)
    lp.col_upper_ = np.concatenate([b.open_places.astype(float), np.ones(n_z)])
    places = b.open_places.astype(float)
    lp.row_lower_ = np.concatenate([places, np.zeros(n_p), np.full(n_o, -inf)])
    lp.row_upper_ = np.concatenate([places, np.zeros(n_p), np.ones(n_o)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(n_m + n_z + 1, dtype=np.int32)
    lp.a_matrix_.index_ = np.concatenate(
        [np.arange(n_m), n_m + np.array(lvl_p, dtype=np.int64)]
    ).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate([np.ones(n_m), -np.ones(n_z)])
    h.passModel(lp)

    def interrupt(event: highspy.highs.HighsCallbackEvent) -> None:
        # An exception must not cross HiGHS (it would end in a "solve
        # error"): kept, HiGHS interrupted, raised again after its run.
        try:
            if event.callback_type == MIP_INTERRUPT:
                gap = event.data_out.mip_gap
                if math.isfinite(gap):
                    watch.progress("mip", 0.6 + 0.35 * (1 - min(1.0, gap)))
            stop = watch.halted()
        except BaseException as error:  # raised again by watch.ran()
            watch.error, stop = error, True
        if stop:
            event.interrupt()

    h.cbSimplexInterrupt.subscribe(interrupt)
    h.cbIpmInterrupt.subscribe(interrupt)
    h.cbMipInterrupt.subscribe(interrupt)
    return h


def _greedy(b: Built, missions: list[Mission], value: np.ndarray) -> np.ndarray:
    """Lawful pairs taken by decreasing LP value, then cost: the answer when
    the run is interrupted before any MIP solution."""
    left = b.open_places.copy()
    free = b.free_cap.copy()
    busy: dict[int, list[int]] = {}
    chosen = []
    for k in np.lexsort((b.pair_cost, -value)):
        pi, i = int(b.pair_p[k]), int(b.pair_m[k])
        if left[i] == 0 or free[pi] == 0:
            continue
        m = missions[i]
        mine = busy.setdefault(pi, [])
        if any(m.start < missions[j].end and missions[j].start < m.end for j in mine):
            continue
        mine.append(i)
        left[i] -= 1
        free[pi] -= 1
        chosen.append(k)
    return np.array(chosen, dtype=np.int64)


def _result(
    b: Built,
    participants: list[Participant],
    missions: list[Mission],
    chosen: np.ndarray,
    bound: float,
    status: str,
    timings: dict[str, float],
    size: dict[str, int],
    t0: float,
) -> Result:
    """Result of the chosen pairs, its objective computed exactly."""
    timings["total"] = time.perf_counter() - t0
    filled = np.bincount(b.pair_m[chosen], minlength=len(missions))
    left = b.open_places - filled
    load = np.bincount(b.pair_p[chosen], minlength=len(participants))
    levels = sum(sum(lc[: int(load[pi])]) for pi, lc in enumerate(b.level_cost))
    places_open = int(left.sum())
    cost = int(b.pair_cost[chosen].sum()) + int(levels)
    objective = b.big * places_open + cost
    bound = min(float(bound), float(objective))
    gap = 0.0
    if objective - bound >= 0.5:
        gap = 100 * (objective - bound) / max(1.0, abs(objective))
    return Result(
        assignments=[
            (participants[b.pair_p[k]].id, missions[b.pair_m[k]].id) for k in chosen
        ],
        objective=float(objective),
        bound=bound,
        gap=gap,
        status=status,
        unfilled={missions[i].id: int(n) for i, n in enumerate(left) if n > 0},
        timings=timings,
        size=size,
        cost_parts={"unfilled": places_open, "pairs": float(b.pair_cost[chosen].sum())},
        places_open=places_open,
        cost=cost,
        big=b.big,
    )


def solve(
    participants: list[Participant],
    missions: list[Mission],
    fixed: list[Fixed],
    w: Weights,
    *,
    time_limit: float = 60.0,
    threads: int = 2,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    verbose: bool = False,
    initial_per_place: int = 3,
    add_per_mission: int = 30,
) -> Result:
    """The assignment with the fewest places left open, then the least cost.

    progress(phase, fraction) is called with phases "build", "lp", "mip" and
    "done" and a fraction of the work that never decreases (at most once a
    percent). should_stop() is called at most every STOP_CHECK_EVERY seconds,
    from this thread; what either raises comes out of solve() as it is.
    time_limit counts from the call (seconds, wall clock). threads: HiGHS's
    threads; its scheduler is global to the process, so run one solve at a
    time per process (a worker does). Result.status says how it ended.
    """
    t0 = time.perf_counter()
    watch = _Watch(t0 + time_limit, should_stop, progress)
    watch.progress("build", 0.0)
    b = build(participants, missions, fixed, w)
    t1 = time.perf_counter()
    timings = {"build": t1 - t0}
    n_x, n_m, n_p = len(b.pair_p), len(b.open_places), len(b.free_cap)
    size = {"pairs": n_x, "overlap_rows": len(b.overlap_rows), "mip_rounds": 0}
    watch.progress("build", 0.1)
    empty = np.zeros(0, dtype=np.int64)
    if n_x == 0:  # nobody eligible anywhere: no integer column, nothing to solve
        watch.progress("done", 1.0)
        return _result(
            b, participants, missions, empty, math.inf, "optimal", timings, size, t0
        )
    cstart, cidx = _full_csc(b)
    h = _highs(b, threads, verbose, watch)
    n_z = sum(len(lc) for lc in b.level_cost)
    base = n_m + n_z
    run = _Run(b, h, base, cstart, cidx, -np.ones(n_x, dtype=np.int64))
    # Trivial bound: every place filled at its cheapest, with every bonus.
    lb = float(np.minimum(b.pair_cost, 0).sum())

    # Initial columns: per mission its cheapest eligible pairs.
    order = np.lexsort((b.pair_cost, b.pair_m))
    m_sorted = b.pair_m[order]
    rank = np.arange(n_x) - np.searchsorted(m_sorted, np.arange(n_m))[m_sorted]
    quota = (np.maximum(2, initial_per_place * b.open_places) + 2)[m_sorted]
    run.add(order[rank < quota])
    uz_ub = np.concatenate([b.open_places.astype(float), np.ones(n_z)])

    rounds = 0
    lp_values: np.ndarray | None = None  # x of the last LP solved to optimality
    rc = np.zeros(n_x)
    lp_value = math.inf
    while not watch.halted():
        rounds += 1
        watch.ran(h)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            if watch.why:
                break  # interrupted
            status = h.modelStatusToString(h.getModelStatus())
            raise RuntimeError(f"HiGHS stopped on its own: {status}")
        sol = h.getSolution()
        y = np.array(sol.row_dual)
        rc = b.pair_cost - np.add.reduceat(y[cidx], cstart[:-1])
        uz_rc = np.array(sol.col_dual)[:base]
        y_ov = np.minimum(y[n_m + n_p :], 0.0)
        lb = max(
            lb,
            float(y[:n_m] @ b.open_places)
            + float(y_ov.sum())
            + float(np.minimum(rc, 0).sum())
            + float((np.minimum(uz_rc, 0) * uz_ub).sum()),
        )
        lp_value = h.getInfo().objective_function_value
        xs = np.array(sol.col_value)
        lp_values = np.zeros(n_x)
        lp_values[run.model_pairs()] = xs[base:]
        neg = np.flatnonzero((rc < -1e-7) & (run.model_col < 0))
        watch.progress("lp", 0.6 - 0.5 / (rounds + 1))
        if len(neg) == 0 or math.ceil(lb - 1e-6) >= lp_value - 1e-6:
            break
        neg = neg[np.lexsort((rc[neg], b.pair_m[neg]))]
        nm = b.pair_m[neg]
        r_ = np.arange(len(neg)) - np.searchsorted(nm, nm, side="left")
        run.add(neg[r_ < add_per_mission])
    t2 = time.perf_counter()
    timings["lp"] = t2 - t1
    size["lp_rounds"] = rounds
    size["generated"] = sum(len(c) for c in run.pairs_in)
    lb_int = math.ceil(lb - 1e-6)
    if watch.why or lp_values is None:
        chosen = _greedy(b, missions, lp_values if lp_values is not None else rc)
        why = watch.why or "time_limit"
        watch.progress("done", 1.0)
        return _result(
            b, participants, missions, chosen, lb_int, why, timings, size, t0
        )
    integral = np.all(np.abs(lp_values - np.round(lp_values)) <= 1e-6)
    u = np.array(h.getSolution().col_value)[:n_m]
    if integral and np.all(np.abs(u - np.round(u)) <= 1e-6):
        chosen = np.flatnonzero(lp_values > 0.5)
        watch.progress("done", 1.0)
        return _result(
            b, participants, missions, chosen, lb_int, "optimal", timings, size, t0
        )

    chosen, bound, status = _mip(run, lb, lb_int, rc, lp_values, missions, watch, size)
    timings["mip"] = time.perf_counter() - t2
    size["generated"] = sum(len(c) for c in run.pairs_in)
    watch.progress("done", 1.0)
    return _result(b, participants, missions, chosen, bound, status, timings, size, t0)


def _mip(
    run: _Run,
    lb: float,
    lb_int: int,
    rc: np.ndarray,
    lp_values: np.ndarray,
    missions: list[Mission],
    watch: _Watch,
    size: dict[str, int],
) -> tuple[np.ndarray, float, str]:
    """Reduced-cost fixing and MIP rounds: (chosen pairs, bound, status)."""
    b, h, base = run.b, run.h, run.base
    delta = lb_int - lb  # pairs with rc <= delta: may be in an optimum <= lb_int
    integral_done = 0
    best: tuple[float, np.ndarray] | None = None  # (objective, model columns)
    bound = float(lb_int)
    proved = False
    while True:
        extra = np.flatnonzero((run.model_col < 0) & (rc <= delta))
        if len(extra):
            run.add(extra)
        ncol = h.getNumCol()
        newc = np.arange(base + integral_done, ncol, dtype=np.int32)
        h.changeColsIntegrality(
            len(newc), newc, np.full(len(newc), highspy.HighsVarType.kInteger)
        )
        integral_done = ncol - base
        model_pairs = run.model_pairs()
        rcm = rc[model_pairs]
        # rc > delta: 0 in any solution below lb + delta; rc < -delta: 1.
        hi = (rcm <= delta).astype(float)
        lo = (rcm < -delta).astype(float)
        mc = (base + np.arange(len(model_pairs))).astype(np.int32)
        h.changeColsBounds(len(mc), mc, lo, hi)
        if best is not None:
            start = highspy.HighsSolution()
            start.col_value = list(best[1]) + [0.0] * (ncol - len(best[1]))
            h.setSolution(start)
        size["mip_rounds"] += 1
        watch.progress("mip", 0.6)
        watch.ran(h)
        info = h.getInfo()
        limit = math.floor(lb + delta) + 1
        if info.primal_solution_status == 2:  # a feasible solution
            value = float(info.objective_function_value)
            if best is None or value < best[0]:
                best = (value, np.array(h.getSolution().col_value))
        optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        # Any solution using an excluded pair costs more than lb + delta, so
        # at least limit; the others at least the restricted MIP's bound (none
        # yet when interrupted early: -inf).
        dual = float(info.mip_dual_bound)
        if math.isfinite(dual):
            bound = max(bound, float(min(math.ceil(dual - 1e-6), limit)))
        if not optimal or best is None:
            break
        if best[0] <= limit + 1e-6:
            proved = True
            break
        delta = best[0] - 1 - lb + 1e-6  # the pairs that could still beat best
        if watch.halted():
            break
    if best is None:
        chosen = _greedy(b, missions, lp_values)
    else:
        model_pairs = run.model_pairs()
        x = np.zeros(len(model_pairs))  # best may predate the last columns
        x[: len(best[1]) - base] = best[1][base:]
        chosen = model_pairs[x > 0.5]
    if proved:
        return chosen, bound, "optimal"
    if not watch.why:
        status = h.modelStatusToString(h.getModelStatus())
        raise RuntimeError(f"HiGHS stopped on its own: {status}")
    return chosen, bound, watch.why
