"""Automatic assignment of participants to missions: the optimal solver.

Pure Python, numpy and HiGHS (highspy); no Django. The caller (the Django
side) reads the database into the data classes below, with database ids,
calls `solve`, checks with `check_solution`, and phrases `unstaffable_reasons`
and `line_reasons` (structured facts) in the user's language.

    model.py    data classes, eligibility, cliques of overlapping missions,
                the model (build), project(lat, lon)
    solve.py    solve: column generation, reduced-cost fixing, small MIP
    check.py    check_solution: every hard rule on the final state
    reasons.py  why a mission stays short, why a person got a mission
"""

from .check import check_solution
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
    maximal_cliques,
    overlaps,
    project,
)
from .reasons import (
    TAKEN_ELSEWHERE,
    TOO_FEW,
    TOO_FEW_TOGETHER,
    LineReason,
    Unstaffable,
    line_reasons,
    unstaffable_reasons,
)
from .solve import solve

__all__ = [
    "TAKEN_ELSEWHERE",
    "TOO_FEW",
    "TOO_FEW_TOGETHER",
    "Built",
    "Fixed",
    "LineReason",
    "Mission",
    "Participant",
    "Result",
    "Unstaffable",
    "Weights",
    "build",
    "check_solution",
    "distance_km",
    "effective_cap",
    "line_reasons",
    "maximal_cliques",
    "overlaps",
    "project",
    "solve",
    "unstaffable_reasons",
]
