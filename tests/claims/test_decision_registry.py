"""The review page's decisions are one class each, found by their URL name:
every decision of the services has its class, a name is taken once, an
unknown name is not found, and each panel greys out with the service's own
reason (issue 17)."""

from __future__ import annotations

import pytest
from django.http import Http404

from claims import services
from claims.admin.decisions import DECISIONS, ClaimDecision, decision_panels
from claims.admin.decisions.base import DecisionRegistry
from claims.models import ClaimStatus
from claims.review_forms import NoInputForm
from claims.services import Decision
from tests.claims.review_helpers import claim_in

S = ClaimStatus
pytestmark = pytest.mark.usefixtures("without_travel")


def test_every_decision_of_the_services_has_one_class_on_the_review_page():
    names = [decision.name for decision in DECISIONS]
    assert sorted(names) == sorted(Decision)


def test_the_page_offers_the_decisions_in_their_usual_order():
    assert [decision.name.value for decision in DECISIONS] == [
        "valider",
        "renvoyer",
        "corriger",
        "corriger-deplacements",
        "montant",
        "clore",
        "annuler",
        "retablir",
    ]


class Twice(ClaimDecision):
    """Validate again, under the same name."""

    name = Decision.APPROVE

    def form(self, claim, data=None):
        return NoInputForm(data, prefix=self.name)

    def apply(self, claim, by, form):
        return services.claim_approve(claim=claim, by=by)

    def success(self, claim):
        return "Validé."


def test_a_decision_name_is_taken_once():
    registry = DecisionRegistry()
    registry.register(Twice)
    with pytest.raises(ValueError, match="twice"):
        registry.register(type("Again", (Twice,), {}))
    assert [type(decision) for decision in registry] == [Twice]


def test_a_decision_without_its_form_service_or_message_is_not_registered():
    class Incomplete(ClaimDecision):
        name = Decision.APPROVE

    with pytest.raises(TypeError):
        DecisionRegistry().register(Incomplete)


def test_a_url_names_its_decision_and_an_unknown_name_is_not_found():
    assert DECISIONS.get_or_404("annuler").name == Decision.CANCEL
    for unknown in ("payer", "", "VALIDER", "valider/"):
        with pytest.raises(Http404):
            DECISIONS.get_or_404(unknown)


@pytest.mark.parametrize("status", [S.SUBMITTED, S.APPROVED, S.CANCELLED])
def test_each_panel_is_greyed_out_with_the_service_s_own_reason(
    participant, manager, status
):
    claim = claim_in(status, participant, manager)
    panels = decision_panels(claim, manager, may_decide=True)
    assert panels, "a claim always has a decision to show"
    for panel in panels:
        allowed, reason = services.can_decide(claim, manager, panel.decision.name)
        assert (panel.allowed, panel.reason) == (allowed, reason)
        assert panel.url.endswith(f"/decision/{panel.decision.name.value}/")
    shown = {panel.decision.name for panel in panels}
    assert (Decision.RESTORE in shown) == (status == S.CANCELLED)
    assert (Decision.CANCEL in shown) == (status != S.CANCELLED)


def test_without_the_role_every_panel_says_so(participant, manager):
    claim = claim_in(S.SUBMITTED, participant, manager)
    for panel in decision_panels(claim, manager, may_decide=False):
        assert not panel.allowed
        assert panel.reason == "Votre rôle ne permet pas de décider."


def test_a_refused_decision_keeps_what_was_typed_and_the_others_start_afresh(
    participant, manager
):
    claim = claim_in(S.SUBMITTED, participant, manager)
    cancel = DECISIONS.get_or_404("annuler")
    typed = cancel.form(claim, {"annuler-reason": "Doublon"})
    panels = decision_panels(claim, manager, True, bound=(cancel.name, typed))
    forms = {panel.decision.name: panel.form for panel in panels}
    assert forms[Decision.CANCEL] is typed
    assert not forms[Decision.RETURN].is_bound
