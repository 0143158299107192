"""What every step of a claim's entry is, and the draft it may leave.

A step (pretix's checkout flow) owns everything about itself: its address
(`identifier`), its `title`, whether it applies to a claim, what is still
`missing` on it, the form built from the claim, the draft or the post, its
template, the values it hands to `claims.services.claim_step_save`, and the
rows shown when a save meets a claim changed meanwhile. The step view
(`claims.views.steps`) is the same for all of them. Nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import Model
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from claims.models import Claim
from imagin.text import printable

# A value kept in a draft: longer than any step's field accepts (so a value
# too long stays too long, and is refused again with its message), short
# enough that a draft stays small whatever is posted.
DRAFT_VALUE_LIMIT = 300


def make_draft(data: QueryDict) -> dict[str, list[str]]:
    """What was typed on a step, to keep in the claim's draft when invalid.

    The one place a draft is made. `data` holds only the step's own fields
    (`Step.own_data`): a draft never keeps what else a browser may post (990
    unknown fields made one draft 5 MB). Each value is made storable (a NUL
    byte, refused by PostgreSQL in JSON, would lose the whole save) and
    bounded.
    """
    # A QueryDict's items are its last values, text (str() for the checker).
    return {
        key: [printable(str(value), DRAFT_VALUE_LIMIT)] for key, value in data.items()
    }


def bound(raw: object) -> QueryDict:
    """A stored draft as posted data. A draft saved by older code may hold
    anything JSON can (unknown keys, numbers, lists, objects): each value
    becomes text, so a bad one is shown with its message, never a crash."""
    data = QueryDict(mutable=True)
    if not isinstance(raw, dict):
        return data
    for key, values in raw.items():
        values = values if isinstance(values, list) else [values]
        if not values:
            continue
        value = values[-1]
        if value is None:
            value = ""
        elif not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        data[str(key)] = printable(value, DRAFT_VALUE_LIMIT)
    return data


def step_draft(claim: Claim, identifier: str) -> object | None:
    """What was typed on a step and kept because invalid, as stored; None if
    nothing is. Read defensively: the draft is JSON and may hold anything."""
    draft = claim.draft
    return draft.get(identifier) if isinstance(draft, dict) else None


@dataclass
class StepPage:
    """What one step shows: its form(s), and a conflict to explain if any."""

    form: Any = None
    formsets: list | None = None
    conflict: list[tuple[str, str, str]] | None = None


@dataclass
class Entry:
    """What a step read from a post, for the view to save or answer.

    `values` go to `claim_step_save`; `draft` is what was typed when some of
    it is invalid (kept as typed, shown again), None when the step is valid;
    `complete` marks the step done. A `refusal` saves nothing and shows the
    step again with it; `elsewhere` saves nothing and goes to that address.
    """

    page: StepPage = field(default_factory=StepPage)
    values: dict[str, Any] = field(default_factory=dict)
    draft: dict[str, list[str]] | None = None
    complete: bool = False
    refusal: str = ""
    elsewhere: str = ""


class Step:
    """One step of the entry. Subclass it, give it an `identifier` (its
    address), a `title` and a template `claims/steps/<identifier>.html`,
    then register it in `claims.steps.STEPS`."""

    identifier: ClassVar[str]
    title: ClassVar[Promise]
    # False for a step that only shows (the summary): its page has no
    # Continuer/Enregistrer form, and a post to it saves nothing.
    saves: ClassVar[bool] = True
    # The claim's lines the step replaces as a whole, by related name.
    rows: ClassVar[Mapping[str, type[Model]]] = {}

    @property
    def template(self) -> str:
        return f"claims/steps/{self.identifier}.html"

    def is_applicable(self, claim: Claim) -> bool:
        return True

    def missing(self, claim: Claim) -> list[str]:
        """What is still to be entered on this step, in French; empty: complete."""
        return []

    def is_completed(self, claim: Claim) -> bool:
        return not self.missing(claim)

    def is_confirmed(self, claim: Claim) -> bool:
        """The participant went past this step with "Continuer" (or answered it)."""
        return self.identifier in claim.steps_done

    def fields(self, claim: Claim) -> tuple[str, ...]:
        """The claim's own fields this step saves (the service checks them)."""
        return ()

    def page(self, claim: Claim) -> StepPage:
        """The step as shown: its form from the claim, or from its draft."""
        return StepPage()

    def read(self, claim: Claim, posted: QueryDict, *, continuing: bool) -> Entry:
        """What was posted on the step, validated; `continuing` is "Continuer"."""
        return Entry()

    def draft_problem(self, claim: Claim) -> list[str]:
        if step_draft(claim, self.identifier) is not None:
            return [
                _(
                    "Certaines valeurs saisies ne sont pas valides : corrigez-les "
                    "(elles sont signalées sur l'étape)."
                )
            ]
        return []

    def conflict_rows(self, page: StepPage, current: Claim) -> list:
        """(label, saved meanwhile, typed here) for each thing the step saves."""
        return []

    def flag_missing(self, page: StepPage, claim: Claim) -> bool:
        """Mark on the page's form what `missing` found after a save; True
        when the page is to be shown again as it is (else it is reloaded)."""
        return False

    def context(self, claim: Claim, steps: list[Step]) -> dict[str, Any]:
        """What else the step's template shows; `steps` are the claim's."""
        return {}


def missing_on(claim: Claim, steps: list[Step]) -> list[str]:
    """Everything still missing on these steps of the claim."""
    return [problem for step in steps for problem in step.missing(claim)]
