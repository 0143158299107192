"""The exam division corrects a claim's travel lines (trips, meals, nights).

Before validating a claim its participant has validated, a manager may
change the values of each travel line (a distance, a fare, a date, a meal's
kind...) or strike a line the division does not retain (a return leg declared
twice, by car and by train), with one reason for the whole correction. The
same rights and statuses as for a correction of quantities apply
(`claims.services.review.can_decide`, decision `CORRECT_TRAVEL`): any other
manager, never on their own claim, on a claim validated by its participant
and not yet by the division.

What is kept (`claims.travel_corrections`): the line's fields hold what the
division retains, which is what is priced and checked; `declared` the
participant's values as they were before the first correction; `retained`
False a struck line, kept and shown, worth nothing; `correction_reason` the
reason, shown with the line in the décompte (the participant's claim page,
the recap PDF, the validation e-mail through the frozen lines) and in the
claim's history (the audit event "claims.claim.travel_corrected", which also
keeps every value before and after). A line brought back to what was
declared, and retained, is no longer corrected.

When the participant may type again: only after a send-back, and a
send-back (`claim_return`, or the queue's) gives every corrected line the
participant's values back, struck lines included, as it clears corrected
quantities: the participant's new declaration is what the division checks
next, so no line the participant edits ever carries a correction (their
save of the travel step replaces the lines as a whole anyway).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from claims import plausibility
from claims.models import Claim
from claims.services.review import Decision, _lock, _required
from claims.travel_corrections import (
    FIELDS,
    KINDS,
    RELATED,
    TravelEntry,
    as_json,
    changed_fields,
    model_field,
    snapshot,
)
from imagin.audit import audit_log

ACTION = "claims.claim.travel_corrected"
# The reason is kept on each line it corrects (Trip.correction_reason...).
REASON_LENGTH = 1000


@dataclass(frozen=True)
class TravelChange:
    """What the division retains of one travel line.

    `kind` is "trip", "meal" or "night"; `pk` the line's; `retained` False
    strikes it; `values` maps some of its correctable fields
    (`claims.travel_corrections.FIELDS`) to the value retained, as the
    model's field takes it (a date, a Decimal, an int, a choice).
    """

    kind: str
    pk: int
    retained: bool = True
    values: Mapping[str, object] = field(default_factory=dict)


def claim_correct_travel(
    *, claim: Claim, by: User, changes: Sequence[TravelChange], reason: str
) -> Claim:
    """A manager corrects the travel lines of a claim validated by its
    participant, with a reason; the participant's values stay beside.

    Lines the changes leave as they are keep their state (and their earlier
    reason). Raises PermissionDenied on one's own claim, ValidationError for
    a missing reason, a status that does not allow it, a line that is not the
    claim's, an unknown field, a value the line's field refuses, or changes
    that change nothing. Recomputes the claim's plausibility points; sends
    no e-mail (the participant reads it in the history and the décompte).
    """
    reason = _required(reason, _("Indiquez le motif de la correction."))
    if len(reason) > REASON_LENGTH:
        raise ValidationError(
            _("Le motif tient en %d caractères au plus.") % REASON_LENGTH
        )
    with transaction.atomic():
        locked = _lock(claim, by, Decision.CORRECT_TRAVEL)
        lines = {
            kind: {row.pk: row for row in getattr(locked, related).all()}
            for kind, related in RELATED.items()
        }
        touched: list[TravelEntry] = []
        audited = []
        for change in changes:
            row = _line(lines, change)
            values = _cleaned(row, change.values)
            before = _state(row)
            never_corrected = row.declared is None
            if never_corrected:
                row.declared = snapshot(row)
            for name, value in values.items():
                setattr(row, name, value)
            row.retained = bool(change.retained)
            after = _state(row)
            # Compared as values: a fare of 32 is the declared 32,00.
            diff = [name for name in before if before[name] != after[name]]
            if not diff:
                if never_corrected:
                    row.declared = None
                continue
            row.correction_reason = reason
            if row.retained and not changed_fields(row):
                # Back to what the participant declared: no longer corrected.
                row.declared = None
                row.correction_reason = ""
            touched.append(row)
            audited.append(
                {
                    "kind": change.kind,
                    "id": row.pk,
                    "before": {name: as_json(before[name]) for name in diff},
                    "after": {name: as_json(after[name]) for name in diff},
                }
            )
        if not touched:
            raise ValidationError(
                _(
                    "Rien n'a changé : modifiez une valeur ou décochez « Retenu » "
                    "sur une ligne avant d'enregistrer."
                )
            )
        for model, names in FIELDS.items():
            rows = [row for row in touched if type(row) is model]
            if rows:
                model._default_manager.bulk_update(
                    rows, [*names, "declared", "retained", "correction_reason"]
                )
        locked.version += 1
        # A struck duplicate leg, a moved date... may clear (or raise) points.
        locked.plausibility_codes = plausibility.codes_to_store(locked)
        locked.save(update_fields=["plausibility_codes", "version", "updated_at"])
        audit_log(
            actor=by,
            action=ACTION,
            target=locked,
            data={"reason": reason, "count": len(audited), "lines": audited},
        )
        return locked


def _state(row: TravelEntry) -> dict[str, object]:
    """The line's correctable values and whether it is retained."""
    values = {name: getattr(row, name) for name in FIELDS[type(row)]}
    return {**values, "retained": row.retained}


def _line(lines: dict[str, dict[int, TravelEntry]], change: TravelChange):
    if change.kind not in KINDS:
        raise ValidationError(_("Nature de ligne inconnue : %s.") % change.kind)
    row = lines[change.kind].get(change.pk)
    if row is None:
        raise ValidationError(
            _("Une ligne corrigée n'est plus dans l'état de frais : rechargez la page.")
        )
    return row


def _cleaned(row: TravelEntry, values: Mapping[str, object]) -> dict[str, object]:
    """The values, as the line's fields accept them; ValidationError naming
    the field otherwise."""
    allowed = FIELDS[type(row)]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError(
            _("Valeur inconnue pour cette ligne : %s.") % ", ".join(unknown)
        )
    cleaned = {}
    for name, value in values.items():
        field = model_field(row, name)
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError(
                _("%s : caractère non autorisé.") % field.verbose_name
            )
        try:
            cleaned[name] = field.clean(value, row)
        except ValidationError as refused:
            raise ValidationError(
                [f"{field.verbose_name} : {m}" for m in refused.messages]
            ) from None
    return cleaned
