"""The decisions of the review page, one class each, in the page's order:
its words, its form, when it is shown, its service and its message. Their
guards are the services' own (`claims.services.review`)."""

from __future__ import annotations

from typing import cast

from django.forms import Form
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from claims import flow, services
from claims.admin.decisions.base import DECISIONS, ClaimDecision
from claims.models import Claim, ClaimStatus
from claims.money import format_money, format_quantity
from claims.review_forms import (
    AmountForm,
    CommentForm,
    CorrectionForm,
    NoInputForm,
    ReasonForm,
    TravelCorrectionForm,
)
from claims.services import Decision
from missions.models import MissionType


class ReasonDecision(ClaimDecision):
    """A decision whose only input is its reason, under its own label."""

    reason_label: Promise

    def form(self, claim: Claim, data=None) -> Form:
        return ReasonForm(data, label=self.reason_label, prefix=self.name)


@DECISIONS.register
class Validate(ClaimDecision):
    name = Decision.APPROVE
    title = gettext_lazy("Valider")
    button = gettext_lazy("Valider l'état de frais")
    explanation = gettext_lazy(
        "Les montants sont calculés et figés ; l'intervenant est prévenu."
    )

    def form(self, claim: Claim, data=None) -> Form:
        return NoInputForm(data, prefix=self.name)

    def apply(self, claim: Claim, by: User, form: Form) -> Claim:
        return services.claim_approve(claim=claim, by=by)

    def success(self, claim: Claim) -> str:
        return _("État de frais n° %(pk)d validé : %(total)s.") % {
            "pk": claim.pk,
            "total": format_money(claim.total_amount, claim.currency),
        }


@DECISIONS.register
class SendBack(ReasonDecision):
    name = Decision.RETURN
    title = gettext_lazy("Renvoyer pour correction")
    button = gettext_lazy("Renvoyer pour correction")
    explanation = gettext_lazy(
        "L'intervenant reçoit le motif par courriel ; sa saisie est conservée."
    )
    reason_label = gettext_lazy("Motif du renvoi (envoyé à l'intervenant)")

    def apply(self, claim: Claim, by: User, form: Form) -> Claim:
        return services.claim_return(
            claim=claim, by=by, reason=form.cleaned_data["reason"]
        )

    def success(self, claim: Claim) -> str:
        # The service mails the participant only when there is something for
        # them to type and an address to write to: say which happened.
        told = claim.assignment.participant.email and not flow.nothing_to_type(claim)
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


@DECISIONS.register
class CorrectQuantities(ClaimDecision):
    name = Decision.CORRECT
    title = gettext_lazy("Corriger les quantités retenues")
    button = gettext_lazy("Enregistrer la correction")
    explanation = gettext_lazy(
        "Les quantités déclarées par l'intervenant restent visibles ; le "
        "paiement se calcule sur les quantités retenues."
    )

    def shown(self, claim: Claim) -> bool:
        return bool(services.correctable_fields(claim))

    def form(self, claim: Claim, data=None) -> Form:
        fields = services.correctable_fields(claim)
        return CorrectionForm(
            data,
            fields=fields,
            initial={name: _kept(claim, name) for name in fields},
            prefix=self.name,
        )

    def apply(self, claim: Claim, by: User, form: Form) -> Claim:
        return services.claim_correct(
            claim=claim,
            by=by,
            quantities=cast(CorrectionForm, form).quantities(),
            reason=form.cleaned_data["reason"],
        )

    def success(self, claim: Claim) -> str:
        return _("Quantités retenues enregistrées ; vous pouvez valider.")


@DECISIONS.register
class CorrectTravel(ClaimDecision):
    name = Decision.CORRECT_TRAVEL
    title = gettext_lazy("Corriger les frais de déplacement")
    button = gettext_lazy("Enregistrer la correction des déplacements")
    explanation = gettext_lazy(
        "Modifiez les valeurs retenues d'une ligne, ou décochez « Retenu » pour "
        "l'écarter (un trajet déclaré deux fois, par exemple). Ce que "
        "l'intervenant a déclaré reste visible à côté ; il voit la correction "
        "et son motif dans le décompte."
    )
    fields_template = "admin/claims/claim/_travel_correction.html"

    def shown(self, claim: Claim) -> bool:
        return claim.has_travel_part

    def form(self, claim: Claim, data=None) -> Form:
        return TravelCorrectionForm(data, claim=claim, prefix=self.name)

    def apply(self, claim: Claim, by: User, form: Form) -> Claim:
        return services.claim_correct_travel(
            claim=claim,
            by=by,
            changes=cast(TravelCorrectionForm, form).changes(),
            reason=form.cleaned_data["reason"],
        )

    def success(self, claim: Claim) -> str:
        return _(
            "Frais de déplacement corrigés : le décompte montre ce qui était déclaré "
            "et ce qui est retenu. Vous pouvez valider."
        )


def _kept(claim: Claim, validated: str):
    """What the division retains now: the validated value, else the declared."""
    value = getattr(claim, validated)
    if value is None:
        value = getattr(claim, validated.replace("_validated", "_declared"))
    if value is None or isinstance(value, int):
        return value
    return format_quantity(value)  # 6,5 h, not 6.50


@DECISIONS.register
class EnterAmount(ClaimDecision):
    name = Decision.AMOUNT
    title = gettext_lazy("Saisir le montant")
    button = gettext_lazy("Enregistrer le montant")
    explanation = gettext_lazy(
        "Cette mission est payée au montant que la division saisit."
    )

    def shown(self, claim: Claim) -> bool:
        mission_type = claim.assignment.mission.mission_type
        return mission_type.payment_basis == MissionType.PaymentBasis.MANAGER_ENTERED

    def form(self, claim: Claim, data=None) -> Form:
        return AmountForm(
            data,
            currency=claim.currency,
            initial={"amount": claim.manager_amount},
            prefix=self.name,
        )

    def apply(self, claim: Claim, by: User, form: Form) -> Claim:
        return services.claim_enter_amount(
            claim=claim,
            by=by,
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
        )

    def success(self, claim: Claim) -> str:
        return _("Montant enregistré : %s. Vous pouvez maintenant valider.") % (
            format_money(claim.manager_amount, claim.currency)
        )


@DECISIONS.register
class CloseNotPerformed(ClaimDecision):
    name = Decision.CLOSE
    title = gettext_lazy("Prendre en compte la mission non effectuée")
    button = gettext_lazy("Clore à zéro")
    explanation = gettext_lazy("L'état de frais est clos sans paiement.")

    def shown(self, claim: Claim) -> bool:
        return claim.status == ClaimStatus.NOT_PERFORMED

    def form(self, claim: Claim, data=None) -> Form:
        return CommentForm(data, prefix=self.name)

    def apply(self, claim: Claim, by: User, form: Form) -> Claim:
        return services.claim_close_not_performed(
            claim=claim, by=by, comment=form.cleaned_data["comment"]
        )

    def success(self, claim: Claim) -> str:
        return _("Mission non effectuée prise en compte : clos à zéro.")


@DECISIONS.register
class Cancel(ReasonDecision):
    name = Decision.CANCEL
    title = gettext_lazy("Annuler")
    button = gettext_lazy("Annuler l'état de frais")
    explanation = gettext_lazy("Tout est conservé : l'état de frais peut être rétabli.")
    reason_label = gettext_lazy("Motif de l'annulation (envoyé à l'intervenant)")

    def shown(self, claim: Claim) -> bool:
        return claim.status != ClaimStatus.CANCELLED

    def apply(self, claim: Claim, by: User, form: Form) -> Claim:
        return services.claim_cancel(
            claim=claim, by=by, reason=form.cleaned_data["reason"]
        )

    def success(self, claim: Claim) -> str:
        return _("État de frais n° %d annulé.") % claim.pk


@DECISIONS.register
class Restore(ReasonDecision):
    name = Decision.RESTORE
    title = gettext_lazy("Rétablir")
    button = gettext_lazy("Rétablir l'état de frais")
    explanation = gettext_lazy("L'état de frais reprend le statut qu'il avait avant.")
    reason_label = gettext_lazy("Motif du rétablissement")

    def shown(self, claim: Claim) -> bool:
        return claim.status == ClaimStatus.CANCELLED

    def apply(self, claim: Claim, by: User, form: Form) -> Claim:
        return services.claim_restore(
            claim=claim, by=by, reason=form.cleaned_data["reason"]
        )

    def success(self, claim: Claim) -> str:
        return _("État de frais n° %(pk)d rétabli (%(status)s).") % {
            "pk": claim.pk,
            "status": claim.get_status_display(),
        }
