"""Import of the exam centres, and what the exams' and participants' imports
share, read by `imagin.tabular_import`, all or nothing (see `accounts.imports` for
the places, `missions.participant_imports` for the participants).

Centres, one per row, found by code: `code`, `nom`, `adresse`, `commune`
(INSEE code of a known commune), optionally `uai` (a known establishment:
its staff do not examine there).

Exams and their épreuves: `missions.exam_imports`.

An empty cell never erases a stored value. Imported twice, a file changes
nothing the second time. One audit event per import, with its counts.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.imports import (
    changed_fields,
    concurrent_change_error,
    text_problem,
)
from accounts.models import Commune, Establishment, User
from accounts.roles import MANAGER, has_role
from imagin.audit import audit_log
from imagin.tabular_import import (
    ImportKind,
    ImportReport,
    capped,
    line_error,
    read_table,
)
from missions.import_examples import CENTRES_EXAMPLE
from missions.models import Centre, ExamSession


def may_import_missions_data(user: Any) -> bool:
    """The exam division sets up its centres and exams."""
    return has_role(user, MANAGER) or all(
        user.has_perm(f"missions.{perm}")
        for perm in ("add_centre", "change_centre", "add_exam", "change_exam")
    )


def session_field() -> dict[str, Any]:
    return {
        "session": forms.ModelChoiceField(
            label=gettext_lazy("Session"), queryset=ExamSession.objects.all()
        )
    }


# -- centres


def centres_import(
    *, content: bytes, file_name: str = "", by: User | None
) -> ImportReport:
    """Create or update the centres of the file, all or nothing. Audited once
    as `missions.centres.imported`."""
    rows, errors = read_table(
        content,
        file_name=file_name,
        required=("code", "nom", "adresse", "commune"),
        optional=("uai",),
    )
    if errors:
        return ImportReport(errors=capped(errors))
    communes = Commune.objects.in_bulk(
        {row.get("commune").upper() for row in rows}, field_name="insee_code"
    )
    establishments = Establishment.objects.in_bulk(
        {row.get("uai").upper() for row in rows}, field_name="uai"
    )
    existing = Centre.objects.in_bulk(
        {row.get("code") for row in rows}, field_name="code"
    )
    seen: dict[str, int] = {}
    planned: list[tuple[str, dict[str, Any]]] = []
    for row in rows:
        problems: list[str] = []
        code = row.get("code")
        if not code:
            problems.append(_("code du centre manquant"))
        elif code in seen:
            problems.append(_("centre déjà à la ligne %d") % seen[code])
        elif problem := text_problem(code, _("code"), 30):
            problems.append(problem)
        new = code not in existing
        for column, label, limit in (
            ("nom", _("nom"), 200),
            ("adresse", _("adresse"), 250),
        ):
            if new and not row.get(column):
                problems.append(_("%s manquant pour un nouveau centre") % label)
            elif problem := text_problem(row.get(column), label, limit):
                problems.append(problem)
        commune = communes.get(row.get("commune").upper())
        if row.get("commune") and commune is None:
            problems.append(_("commune « %s » inconnue") % row.get("commune"))
        elif new and commune is None:
            problems.append(_("commune manquante pour un nouveau centre"))
        establishment = establishments.get(row.get("uai").upper())
        if row.get("uai") and establishment is None:
            problems.append(_("établissement « %s » inconnu") % row.get("uai"))
        if problems:
            errors.append(line_error(row.line, problems))
            continue
        seen[code] = row.line
        values = {
            "name": row.get("nom"),
            "address": row.get("adresse"),
            "commune_id": commune.pk if commune else None,
            "establishment_id": establishment.pk if establishment else None,
        }
        planned.append((code, values))
    if errors:
        return ImportReport(errors=capped(errors))
    report = ImportReport()
    try:
        with transaction.atomic():
            locked = Centre.objects.select_for_update().in_bulk(
                [code for code, _values in planned], field_name="code"
            )
            for code, values in planned:
                centre = locked.get(code)
                if centre is None:
                    centre = Centre(code=code)
                    changed_fields(centre, values)
                    centre.save()
                    report.count("created")
                elif changed := changed_fields(centre, values):
                    centre.save(update_fields=changed)
                    report.count("updated")
                else:
                    report.count("unchanged")
                locked[code] = centre
            audit_log(
                actor=by,
                action="missions.centres.imported",
                target=by or next(iter(locked.values())),
                data={"file": file_name[:200], **report.as_data()},
            )
    except IntegrityError:
        return ImportReport(errors=concurrent_change_error())
    return report


CENTRES = ImportKind(
    slug="centres",
    title=gettext_lazy("Importer des centres d'examen"),
    required=("code", "nom", "adresse", "commune"),
    optional=("uai",),
    rules=(
        gettext_lazy(
            "code : le code du centre, sa clé : un centre déjà connu est mis à "
            "jour ; nom ; adresse ;"
        ),
        gettext_lazy("commune : le code INSEE d'une commune déjà connue ;"),
        gettext_lazy(
            "uai : l'établissement qui accueille le centre, s'il y en a un (ses "
            "personnels n'y sont pas proposés)."
        ),
    ),
    example=CENTRES_EXAMPLE,
    run=centres_import,
    may_import=may_import_missions_data,
)
