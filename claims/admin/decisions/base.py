"""What every decision of the review page is, the registry the decision view
dispatches through, and the panel shown for a decision."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.models import User
from claims import services
from claims.models import Claim
from claims.services import Decision
from imagin.workflow import TransitionNotAllowed

# What a decision's service raises when it refuses: shown to the manager,
# the claim left as it was.
REFUSALS = (ValidationError, PermissionDenied, TransitionNotAllowed)


class ClaimDecision(ABC):
    """One decision a manager takes on a claim from its review page.

    A subclass names the decision (`name`, the last part of its URL), gives
    its words (`title` of its panel, `explanation` under it, `button`), and
    says which form it needs, which service it calls and what the manager is
    told once it is done. The guard is the service's own, so the greyed-out
    button gives the very reason the service would refuse with.
    """

    name: ClassVar[Decision]
    title: ClassVar[Promise]
    button: ClassVar[Promise]
    explanation: ClassVar[Promise]
    # How the panel shows the decision's form (`form` in its context).
    fields_template: ClassVar[str] = "admin/accounts/_form_fields.html"

    def shown(self, claim: Claim) -> bool:
        """Whether the decision can concern this claim at all; when it can
        but not now, its panel is shown greyed out with the reason."""
        return True

    def refusal(self, claim: Claim, by: User) -> str:
        """Why `by` may not take the decision now; empty when they may."""
        allowed, reason = services.can_decide(claim, by, self.name)
        return "" if allowed else reason

    @abstractmethod
    def form(self, claim: Claim, data=None) -> Form:
        """The decision's form, bound to `data` when given; its prefix is the
        decision's name, as the review page has all the forms at once."""

    @abstractmethod
    def apply(self, claim: Claim, by: User, form: Form) -> Claim:
        """Call the decision's service with the valid form; returns the claim
        as decided. Raises one of REFUSALS when the service refuses."""

    @abstractmethod
    def success(self, claim: Claim) -> str:
        """What the manager is told, given the claim as decided."""


class DecisionRegistry:
    """The decisions of the review page by URL name, in the page's order."""

    def __init__(self) -> None:
        self._by_name: dict[str, ClaimDecision] = {}

    def register(self, cls: type[ClaimDecision]) -> type[ClaimDecision]:
        """Class decorator: the page offers the decision after those
        registered before it."""
        if cls.name in self._by_name:
            raise ValueError(f"Decision {cls.name!r} is registered twice.")
        self._by_name[cls.name] = cls()
        return cls

    def __iter__(self) -> Iterator[ClaimDecision]:
        return iter(self._by_name.values())

    def get_or_404(self, name: str) -> ClaimDecision:
        """The decision a URL names; an unknown name is a page not found."""
        try:
            return self._by_name[name]
        except KeyError:
            raise Http404 from None


DECISIONS = DecisionRegistry()


@dataclass(frozen=True)
class DecisionPanel:
    """A decision as the review page shows it for one manager and claim."""

    decision: ClaimDecision
    allowed: bool
    reason: str
    form: Form
    url: str


def decision_panels(
    claim: Claim,
    user: User,
    may_decide: bool,
    bound: tuple[str, Form] | None = None,
) -> list[DecisionPanel]:
    """The panels of the decisions that can concern the claim; `bound` is
    (decision name, form) of a refused decision, re-shown as typed."""
    return [
        _panel(claim, user, decision, may_decide, bound)
        for decision in DECISIONS
        if decision.shown(claim)
    ]


def _panel(
    claim: Claim,
    user: User,
    decision: ClaimDecision,
    may_decide: bool,
    bound: tuple[str, Form] | None,
) -> DecisionPanel:
    if may_decide:
        reason = decision.refusal(claim, user)
    else:
        reason = _("Votre rôle ne permet pas de décider.")
    # A refused decision keeps what was typed; the others start afresh.
    form = bound[1] if bound and bound[0] == decision.name else decision.form(claim)
    return DecisionPanel(
        decision,
        not reason,
        reason,
        form,
        reverse("admin:claims_claim_decision", args=[claim.pk, decision.name.value]),
    )
