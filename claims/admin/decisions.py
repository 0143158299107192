"""The decisions offered on a claim's review page: for each, the form it
needs, the service it calls and what the manager is told; and the panel
shown for it, greyed out with the reason when it does not apply now."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims import flow, services
from claims.models import Claim, ClaimStatus
from claims.money import format_money
from claims.review_forms import (
    AmountForm,
    CommentForm,
    CorrectionForm,
    NoInputForm,
    ReasonForm,
)
from claims.services import Decision
from imagin.workflow import TransitionNotAllowed
from missions.models import MissionType


def refusal_text(error: Exception) -> str:
    """A service's refusal as one French sentence (or several)."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("Action refusée.")


REFUSALS = (ValidationError, PermissionDenied, TransitionNotAllowed)


@dataclass(frozen=True)
class DecisionSpec:
    """One decision on the review page: its form, its service, its words."""

    decision: Decision
    title: str
    button: str
    explanation: str = ""

    def shown(self, claim: Claim) -> bool:
        """Decisions that cannot concern this claim at all are not shown;
        the others are, greyed out with the reason when not allowed now."""
        mission_type = claim.assignment.mission.mission_type
        match self.decision:
            case Decision.CORRECT:
                return bool(services.correctable_fields(claim))
            case Decision.AMOUNT:
                return (
                    mission_type.payment_basis
                    == MissionType.PaymentBasis.MANAGER_ENTERED
                )
            case Decision.RESTORE:
                return claim.status == ClaimStatus.CANCELLED
            case Decision.CLOSE:
                return claim.status == ClaimStatus.NOT_PERFORMED
            case Decision.CANCEL:
                return claim.status != ClaimStatus.CANCELLED
        return True

    def form(self, claim: Claim, data=None) -> Form:
        match self.decision:
            case Decision.APPROVE:
                return NoInputForm(data, prefix=self.decision)
            case Decision.CORRECT:
                initial = {
                    name: _kept(claim, name)
                    for name in services.correctable_fields(claim)
                }
                return CorrectionForm(
                    data,
                    fields=services.correctable_fields(claim),
                    initial=initial,
                    prefix=self.decision,
                )
            case Decision.AMOUNT:
                return AmountForm(
                    data,
                    currency=claim.currency,
                    initial={"amount": claim.manager_amount},
                    prefix=self.decision,
                )
            case Decision.CLOSE:
                return CommentForm(data, prefix=self.decision)
        return ReasonForm(
            data, label=REASON_LABELS[self.decision], prefix=self.decision
        )

    def apply(self, claim: Claim, by, form: Form) -> Claim:
        data = form.cleaned_data
        match self.decision:
            case Decision.APPROVE:
                return services.claim_approve(claim=claim, by=by)
            case Decision.RETURN:
                return services.claim_return(claim=claim, by=by, reason=data["reason"])
            case Decision.CORRECT:
                return services.claim_correct(
                    claim=claim,
                    by=by,
                    quantities=form.quantities(),
                    reason=data["reason"],
                )
            case Decision.CANCEL:
                return services.claim_cancel(claim=claim, by=by, reason=data["reason"])
            case Decision.RESTORE:
                return services.claim_restore(claim=claim, by=by, reason=data["reason"])
            case Decision.CLOSE:
                return services.claim_close_not_performed(
                    claim=claim, by=by, comment=data["comment"]
                )
            case Decision.AMOUNT:
                return services.claim_enter_amount(
                    claim=claim, by=by, amount=data["amount"], reason=data["reason"]
                )
        raise Http404

    def success(self, claim: Claim) -> str:
        match self.decision:
            case Decision.APPROVE:
                return _("État de frais n° %(pk)d validé : %(total)s.") % {
                    "pk": claim.pk,
                    "total": format_money(claim.total_amount, claim.currency),
                }
            case Decision.RETURN:
                told = claim.assignment.participant.email and not (
                    flow.nothing_to_type(claim)
                )
                if not told:
                    return (
                        _(
                            "État de frais n° %d renvoyé ; aucun courriel n'est parti "
                            "(rien à corriger pour l'intervenant, ou pas d'adresse)."
                        )
                        % claim.pk
                    )
                return (
                    _(
                        "État de frais n° %d renvoyé pour correction ; "
                        "l'intervenant est prévenu par courriel."
                    )
                    % claim.pk
                )
            case Decision.CORRECT:
                return _("Quantités retenues enregistrées ; vous pouvez valider.")
            case Decision.CANCEL:
                return _("État de frais n° %d annulé.") % claim.pk
            case Decision.RESTORE:
                return _("État de frais n° %(pk)d rétabli (%(status)s).") % {
                    "pk": claim.pk,
                    "status": claim.get_status_display(),
                }
            case Decision.CLOSE:
                return _("Mission non effectuée prise en compte : clos à zéro.")
        return _("Montant enregistré : %s. Vous pouvez maintenant valider.") % (
            format_money(claim.manager_amount, claim.currency)
        )


def _kept(claim: Claim, validated: str):
    """What the division retains now: the validated value, else the declared."""
    value = getattr(claim, validated)
    if value is None:
        value = getattr(claim, validated.replace("_validated", "_declared"))
    if value is None or isinstance(value, int):
        return value
    return format(value.normalize(), "f").replace(".", ",")  # 6,5 h, not 6.50


REASON_LABELS = {
    Decision.RETURN: gettext_lazy("Motif du renvoi (envoyé à l'intervenant)"),
    Decision.CANCEL: gettext_lazy("Motif de l'annulation (envoyé à l'intervenant)"),
    Decision.RESTORE: gettext_lazy("Motif du rétablissement"),
}

DECISIONS = (
    DecisionSpec(
        Decision.APPROVE,
        gettext_lazy("Valider"),
        gettext_lazy("Valider l'état de frais"),
        gettext_lazy(
            "Les montants sont calculés et figés ; l'intervenant est prévenu."
        ),
    ),
    DecisionSpec(
        Decision.RETURN,
        gettext_lazy("Renvoyer pour correction"),
        gettext_lazy("Renvoyer pour correction"),
        gettext_lazy(
            "L'intervenant reçoit le motif par courriel ; sa saisie est conservée."
        ),
    ),
    DecisionSpec(
        Decision.CORRECT,
        gettext_lazy("Corriger les quantités retenues"),
        gettext_lazy("Enregistrer la correction"),
        gettext_lazy(
            "Les quantités déclarées par l'intervenant restent visibles ; le "
            "paiement se calcule sur les quantités retenues."
        ),
    ),
    DecisionSpec(
        Decision.AMOUNT,
        gettext_lazy("Saisir le montant"),
        gettext_lazy("Enregistrer le montant"),
        gettext_lazy("Cette mission est payée au montant que la division saisit."),
    ),
    DecisionSpec(
        Decision.CLOSE,
        gettext_lazy("Prendre en compte la mission non effectuée"),
        gettext_lazy("Clore à zéro"),
        gettext_lazy("L'état de frais est clos sans paiement."),
    ),
    DecisionSpec(
        Decision.CANCEL,
        gettext_lazy("Annuler"),
        gettext_lazy("Annuler l'état de frais"),
        gettext_lazy("Tout est conservé : l'état de frais peut être rétabli."),
    ),
    DecisionSpec(
        Decision.RESTORE,
        gettext_lazy("Rétablir"),
        gettext_lazy("Rétablir l'état de frais"),
        gettext_lazy("L'état de frais reprend le statut qu'il avait avant."),
    ),
)


@dataclass(frozen=True)
class DecisionPanel:
    spec: DecisionSpec
    allowed: bool
    reason: str
    form: Form
    url: str


def decision_panel(claim, user, spec, may_decide: bool, bound) -> DecisionPanel:
    if may_decide:
        allowed, reason = services.can_decide(claim, user, spec.decision)
    else:
        allowed, reason = False, _("Votre rôle ne permet pas de décider.")
    form = bound[1] if bound and bound[0] == spec.decision else spec.form(claim)
    return DecisionPanel(
        spec,
        allowed,
        reason,
        form,
        reverse("admin:claims_claim_decision", args=[claim.pk, spec.decision.value]),
    )
