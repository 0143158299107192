"""Service fait: the quantities the participant declares (copies, candidates,
hours), the fields depending on the mission's payment."""

from __future__ import annotations

from datetime import timedelta

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims import flow
from claims.forms import ServiceForm
from claims.models import Claim
from claims.steps.base import Entry, Step, StepPage, bound, make_draft, step_draft
from missions.models import MissionType

# The quantities the step cannot be completed without ("horaires" is
# optional), and what to say when one is blank.
REQUIRED_SERVICE_FIELDS = {
    "copies_declared": gettext_lazy("Le nombre de copies corrigées est à renseigner."),
    "candidates_declared": gettext_lazy(
        "Le nombre de candidats interrogés est à renseigner."
    ),
    "hours_declared": gettext_lazy("Le nombre d'heures est à renseigner."),
}
# A VAE jury member's candidates are the applications examined.
APPLICATIONS_MISSING = gettext_lazy(
    "Le nombre de dossiers de VAE examinés est à renseigner."
)


def blank_service_fields(claim: Claim, values=None) -> dict[str, str]:
    """Required service fields left blank (in `values`, else on the claim),
    each with its message."""

    def value(name):
        return values.get(name) if values is not None else getattr(claim, name)

    per_application = (
        claim.assignment.mission.mission_type.payment_basis
        == MissionType.PaymentBasis.PER_APPLICATION
    )
    return {
        name: str(
            APPLICATIONS_MISSING
            if per_application and name == "candidates_declared"
            else REQUIRED_SERVICE_FIELDS[name]
        )
        for name in flow.service_fields(claim)
        if name in REQUIRED_SERVICE_FIELDS and value(name) is None
    }


def _initial(claim: Claim) -> dict:
    """Saved values; where nothing is saved yet, the mission's planned ones."""
    mission = claim.assignment.mission
    planned = mission.planned_volume
    per_hour = mission.mission_type.payment_basis == MissionType.PaymentBasis.PER_HOUR
    start = timezone.localtime(mission.starts_at)
    end = timezone.localtime(mission.ends_at)
    defaults = {
        "copies_declared": planned,
        "candidates_declared": None if per_hour else planned,
        "hours_declared": planned if per_hour else None,
        "schedule": f"{start:%H:%M} – {end:%H:%M}"
        if end - start < timedelta(days=1)
        else "",
    }
    return {
        name: getattr(claim, name)
        if getattr(claim, name) not in (None, "")
        else defaults[name]
        for name in flow.service_fields(claim)
    }


class ServiceStep(Step):
    identifier = "service"
    title = gettext_lazy("Service fait")

    def is_applicable(self, claim: Claim) -> bool:
        return flow.participant_declares_service(claim)

    def missing(self, claim: Claim) -> list[str]:
        problems = self.draft_problem(claim)
        problems += blank_service_fields(claim).values()
        if not problems and not self.is_confirmed(claim):
            problems.append(_("Vérifiez le service fait, puis continuez."))
        return problems

    def fields(self, claim: Claim) -> tuple[str, ...]:
        return flow.service_fields(claim)

    def own_data(self, claim: Claim, posted: QueryDict) -> QueryDict:
        """The step's own fields, the last value of each (as a form reads a
        duplicated field)."""
        data = QueryDict(mutable=True)
        for name in self.fields(claim):
            if name in posted:
                data[name] = posted.getlist(name)[-1]
        return data

    def form(self, claim: Claim, data: QueryDict | None = None) -> ServiceForm:
        draft = step_draft(claim, self.identifier)
        if data is None and draft is not None:
            data = self.own_data(claim, bound(draft))
        return ServiceForm(
            data,
            fields=self.fields(claim),
            basis=claim.assignment.mission.mission_type.payment_basis,
            initial=_initial(claim),
        )

    def page(self, claim: Claim) -> StepPage:
        return StepPage(form=self.form(claim))

    def read(self, claim: Claim, posted: QueryDict, *, continuing: bool) -> Entry:
        data = self.own_data(claim, posted)
        form = self.form(claim, data)
        valid = form.is_valid()
        return Entry(
            page=StepPage(form=form),
            values=dict(form.cleaned_data),  # the valid fields, even if others are not
            draft=None if valid else make_draft(data),
            complete=valid and continuing,
        )

    def conflict_rows(self, page: StepPage, current: Claim) -> list:
        form = page.form
        return [
            (
                form.fields[name].label,
                "" if getattr(current, name) is None else str(getattr(current, name)),
                form.data.get(name, ""),
            )
            for name in form.fields
        ]

    def flag_missing(self, page: StepPage, claim: Claim) -> bool:
        # A blank quantity is told next to its field, the form kept as typed.
        blank = blank_service_fields(claim, page.form.cleaned_data)
        for name, message in blank.items():
            page.form.add_error(name, message)
        return True
