"""Déplacements: the trips, meals and nights of the mission, or none."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.db.models import Model
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims import flow
from claims.forms import TRAVEL_PARTS
from claims.models import Claim
from claims.steps.base import Entry, Step, StepPage, bound, make_draft, step_draft


def _line_fields(formset_class) -> list[str]:
    # Not the hidden link to the claim: Django fills it in when absent, and
    # a tampered one would be an error on a field no one sees.
    return [*formset_class.form.base_fields, "id", "DELETE"]


def _count(values: list[str], maximum: int) -> int | None:
    """A posted form count, if it is one (a whole number up to `maximum`)."""
    text = values[-1].strip() if values else ""
    if not (text.isascii() and text.isdigit() and len(text) < 6):
        return None
    return int(text) if int(text) <= maximum else None


def _values(formsets) -> dict[str, list[dict]]:
    """The rows to keep, per related name, as field values (formsets valid)."""
    values: dict[str, list[dict]] = {}
    for part, formset in formsets:
        # Not model fields: the row's id, its claim and its deletion box.
        control = {formset.fk.name, "id", "DELETE"}
        values[part.related] = [
            {
                name: value
                for name, value in form.cleaned_data.items()
                if name not in control
            }
            for form in formset.forms
            # Kept: saved rows not ticked for deletion, and new rows typed into.
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and (form.instance.pk or form.has_changed())
        ]
    return values


class TravelStep(Step):
    identifier = "deplacement"
    title = gettext_lazy("Déplacements")
    # An inline formset always has its model (the stubs allow None).
    rows = {
        part.related: cast(type[Model], part.formset.model) for part in TRAVEL_PARTS
    }

    def is_applicable(self, claim: Claim) -> bool:
        return claim.has_travel_part and settings.TRAVEL_ENABLED

    def missing(self, claim: Claim) -> list[str]:
        problems = self.draft_problem(claim)
        if not self.is_confirmed(claim):
            problems.append(
                _(
                    "Déclarez vos déplacements, ou indiquez que vous n'en avez pas, "
                    "puis continuez."
                )
            )
        if any(flow.trip_missing(trip) for trip in claim.trips.all()):
            problems.append(
                _("Un trajet est incomplet (date, moyen, distance ou prix).")
            )
        if any(meal.date is None for meal in claim.meals.all()) or any(
            night.date is None for night in claim.nights.all()
        ):
            problems.append(_("Un repas ou une nuitée n'a pas de date."))
        return problems

    def own_data(self, claim: Claim, posted: QueryDict) -> QueryDict:
        """The step's own fields: each formset's lines up to its maximum
        number, the ids of the claim's own saved lines only, and management
        counts that match the lines posted.

        A count missing, tampered with or out of range would otherwise make
        Django show no line at all, and an unknown id an error on a hidden
        field: what was typed would be lost from the page, or stuck.
        """
        data = QueryDict(mutable=True)
        for part in TRAVEL_PARTS:
            formset_class = part.formset
            maximum = formset_class.max_num
            saved = {str(entry.pk) for entry in getattr(claim, part.related).all()}
            lines = 0
            with_id = []
            for index in range(maximum):
                for name in _line_fields(formset_class):
                    key = f"{part.prefix}-{index}-{name}"
                    if key not in posted:
                        continue
                    value = posted.getlist(key)[-1]
                    if name != "id" or value in saved:
                        data[key] = value
                        lines = index + 1
                with_id.append(bool(data.get(f"{part.prefix}-{index}-id")))
            total = _count(posted.getlist(f"{part.prefix}-TOTAL_FORMS"), maximum)
            total = max(total or 0, lines)
            # The saved lines come first, each with its id (Django requires one
            # on each of them): as many as lead the lines posted, whatever the
            # count posted says.
            initial = next(
                (index for index, known in enumerate(with_id) if not known), maximum
            )
            initial = min(initial, total)
            data[f"{part.prefix}-TOTAL_FORMS"] = str(total)
            data[f"{part.prefix}-INITIAL_FORMS"] = str(initial)
            data[f"{part.prefix}-MIN_NUM_FORMS"] = str(formset_class.min_num)
            data[f"{part.prefix}-MAX_NUM_FORMS"] = str(maximum)
        return data

    def formsets(self, claim: Claim, data: QueryDict | None = None) -> list:
        draft = step_draft(claim, self.identifier)
        if data is None and draft is not None:
            data = self.own_data(claim, bound(draft))
        return [
            (part, part.formset(data, instance=claim, prefix=part.prefix))
            for part in TRAVEL_PARTS
        ]

    def page(self, claim: Claim) -> StepPage:
        return StepPage(formsets=self.formsets(claim))

    def read(self, claim: Claim, posted: QueryDict, *, continuing: bool) -> Entry:
        data = self.own_data(claim, posted)
        formsets = self.formsets(claim, data)
        page = StepPage(formsets=formsets)
        if not all(formset.is_valid() for _part, formset in formsets):
            return Entry(page=page, draft=make_draft(data))
        return Entry(page=page, values=_values(formsets), complete=continuing)

    def conflict_rows(self, page: StepPage, current: Claim) -> list:
        """Per kind of entry: what is saved now, and what this form typed."""
        rows = []
        for part, formset in page.formsets or []:
            typed = []
            for form in formset.forms:
                values = [
                    form.data.get(form.add_prefix(name), "")
                    for name in ("date", "origin", "destination", "kind", "zone")
                ]
                # A default meal kind or zone alone is no entry.
                typed_in = any(values[:3])
                if typed_in and not form.data.get(form.add_prefix("DELETE")):
                    typed.append(" ".join(value for value in values if value))
            saved = getattr(current, part.related).all()
            rows.append(
                (
                    part.title,
                    " ; ".join(
                        f"{entry} {entry.date or ''}".strip() for entry in saved
                    ),
                    " ; ".join(typed),
                )
            )
        return rows
