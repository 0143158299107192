"""The steps of a claim's entry, in order, and the way through them.

A step applies to a claim or not (no service to declare, no travel); the
participant resumes at the first incomplete one, and reaches a later one
only by continuing. To add a step: write a `Step` subclass in its own
module, its template `claims/steps/<identifier>.html`, and add an instance
to `STEPS` where it comes in the entry.
"""

from __future__ import annotations

from claims.models import Claim
from claims.steps.base import Entry, Step, StepPage, missing_on, step_draft
from claims.steps.mission import MissionStep
from claims.steps.service import ServiceStep
from claims.steps.summary import SummaryStep
from claims.steps.travel import TravelStep

STEPS: tuple[Step, ...] = (MissionStep(), ServiceStep(), TravelStep(), SummaryStep())


def registered(identifier: str) -> Step:
    """The step with this identifier, whether it applies to a claim or not."""
    for step in STEPS:
        if step.identifier == identifier:
            return step
    raise LookupError(f"No claim step is called {identifier!r}.")


def steps_for(claim: Claim) -> list[Step]:
    return [step for step in STEPS if step.is_applicable(claim)]


def step_named(claim: Claim, identifier: str) -> Step | None:
    """The claim's step at this address; None if there is none, or it does
    not apply to this claim."""
    return next(
        (step for step in steps_for(claim) if step.identifier == identifier), None
    )


def current_step(claim: Claim) -> Step:
    """The first incomplete step: where the participant resumes."""
    steps = steps_for(claim)
    return next(
        (step for step in steps[:-1] if not step.is_completed(claim)), steps[-1]
    )


def previous_step(claim: Claim, step: Step) -> Step | None:
    steps = steps_for(claim)
    index = steps.index(step)
    return steps[index - 1] if index > 0 else None


def next_step(claim: Claim, step: Step) -> Step | None:
    steps = steps_for(claim)
    index = steps.index(step)
    return steps[index + 1] if index + 1 < len(steps) else None


def entry_problems(claim: Claim) -> list[str]:
    """Everything still missing before the claim can be validated."""
    return missing_on(claim, steps_for(claim))


__all__ = [
    "STEPS",
    "Entry",
    "Step",
    "StepPage",
    "current_step",
    "entry_problems",
    "next_step",
    "previous_step",
    "registered",
    "step_draft",
    "step_named",
    "steps_for",
]
