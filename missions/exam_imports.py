"""Import of a session's exams with their épreuves (and the disciplines they
name), read by `imagin.tabular_import`, all or nothing: one row per épreuve,
found by exam code within the chosen session and épreuve code within its
exam.

Columns: `examen` and `epreuve` (empty for an exam without épreuves), then
optionally the exam's `nom_examen`, `nature` (diplome / concours),
`taux_copie` (1 to 5), `taux_oral` (1 to 4), `coef_vae` (0,5 to 3), given on
any of its rows (rows that disagree are an error), and the épreuve's
`intitule`, `discipline` (a discipline code; `nom_discipline` creates it when
unknown), `forme` (ecrit / oral / pratique), `taux_copie_epreuve`,
`taux_oral_epreuve`, `facultative` (oui / non), `minutes_candidat`. A new
exam needs its name and, as a diploma, both rates; a new épreuve its title,
discipline and form. An empty cell never erases a stored value; a discipline
is created, never renamed. Imported twice, a file changes nothing the second
time. One audit event per import, on the session, with its counts.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.imports import changed_fields, concurrent_change_error, text_problem
from accounts.models import User
from imagin.audit import audit_log
from imagin.tabular_import import (
    ImportKind,
    ImportReport,
    Row,
    capped,
    column_key,
    line_error,
    read_table,
)
from missions.import_examples import EXAMS_EXAMPLE
from missions.models import Discipline, Epreuve, Exam, ExamSession
from missions.reference_imports import may_import_missions_data, session_field

KINDS = {"diplome": Exam.Kind.DIPLOMA, "concours": Exam.Kind.COMPETITION}
FORMS = {
    "ecrit": Epreuve.Form.WRITTEN,
    "oral": Epreuve.Form.ORAL,
    "pratique": Epreuve.Form.PRACTICAL,
}
YES_NO = {"oui": True, "o": True, "1": True, "x": True, "non": False, "n": False}
YES_NO.update({"0": False, "true": True, "false": False, "vrai": True, "faux": False})


def _choice(value: str, choices: dict[str, Any], label: str, problems: list) -> Any:
    if not value:
        return ""
    found = choices.get(column_key(value))
    if found is None:
        problems.append(
            _("%(label)s « %(value)s » inconnu (attendu : %(choices)s)")
            % {"label": label, "value": value, "choices": ", ".join(choices)}
        )
        return ""
    return found


def _level(value: str, top: int, label: str, problems: list) -> str:
    if value and value not in [str(n) for n in range(1, top + 1)]:
        problems.append(
            _("%(label)s « %(value)s » : un taux de 1 à %(top)d est attendu")
            % {"label": label, "value": value, "top": top}
        )
        return ""
    return value


# -- exams and épreuves

# The exam's fields by the column that gives them (named in errors).
EXAM_COLUMNS = {
    "name": "nom_examen",
    "kind": "nature",
    "copy_rate_level": "taux_copie",
    "hour_rate_level": "taux_oral",
    "vae_coefficient": "coef_vae",
}


def _exam_values(row: Row, problems: list[str]) -> dict[str, Any]:
    coefficient: Decimal | None = None
    if text := row.get("coef_vae"):
        try:
            coefficient = Decimal(text.replace(",", "."))
        except InvalidOperation:
            coefficient = None
        if (
            coefficient is None
            or not coefficient.is_finite()
            or not Decimal("0.5") <= coefficient <= 3
            or coefficient != coefficient.quantize(Decimal("0.01"))
        ):
            problems.append(
                _("coef_vae « %s » : un nombre de 0,5 à 3 est attendu") % text
            )
            coefficient = None
    name = row.get("nom_examen")
    if problem := text_problem(name, _("nom_examen"), 200):
        problems.append(problem)
    return {
        "name": name,
        "kind": _choice(row.get("nature"), KINDS, _("nature"), problems),
        "copy_rate_level": _level(row.get("taux_copie"), 5, "taux_copie", problems),
        "hour_rate_level": _level(row.get("taux_oral"), 4, "taux_oral", problems),
        "vae_coefficient": coefficient,
    }


def _epreuve_values(row: Row, problems: list[str]) -> dict[str, Any]:
    minutes: int | None = None
    if text := row.get("minutes_candidat"):
        minutes = (
            int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None
        )
        if minutes is None or not 1 <= minutes <= 600:
            problems.append(
                _("minutes_candidat « %s » : un nombre de 1 à 600 est attendu") % text
            )
            minutes = None
    optional: bool | None = None
    if text := row.get("facultative"):
        optional = YES_NO.get(column_key(text))
        if optional is None:
            problems.append(_("facultative « %s » : oui ou non attendu") % text)
    title = row.get("intitule")
    if problem := text_problem(title, _("intitule"), 200):
        problems.append(problem)
    return {
        "name": title,
        "form": _choice(row.get("forme"), FORMS, _("forme"), problems),
        "copy_rate_level": _level(
            row.get("taux_copie_epreuve"), 5, "taux_copie_epreuve", problems
        ),
        "hour_rate_level": _level(
            row.get("taux_oral_epreuve"), 4, "taux_oral_epreuve", problems
        ),
        "optional": optional,
        "minutes_per_candidate": minutes,
    }


class _ExamPlan:
    """What the file says of a session's exams, checked row by row."""

    def __init__(self, session: ExamSession, rows: list[Row]) -> None:
        self.exams = {e.code: e for e in Exam.objects.filter(session=session)}
        self.epreuves = {
            (e.exam.code, e.code): e
            for e in Epreuve.objects.filter(exam__session=session).select_related(
                "exam"
            )
        }
        self.disciplines = Discipline.objects.in_bulk(
            {row.get("discipline") for row in rows}, field_name="code"
        )
        self.exam_values: dict[str, dict[str, Any]] = {}
        self.exam_lines: dict[str, dict[str, int]] = {}
        self.first_lines: dict[str, int] = {}
        self.new_disciplines: dict[str, tuple[str, int]] = {}
        self.epreuve_rows: dict[tuple[str, str], tuple[dict[str, Any], str, int]] = {}
        self.errors: list[str] = []

    def add(self, row: Row) -> None:
        problems: list[str] = []
        code = row.get("examen")
        if not code:
            problems.append(_("code d'examen manquant"))
        elif problem := text_problem(code, _("examen"), 30):
            problems.append(problem)
        values = _exam_values(row, problems)
        self.first_lines.setdefault(code, row.line)
        merged = self.exam_values.setdefault(code, {})
        lines = self.exam_lines.setdefault(code, {})
        for field, value in values.items():
            if value in ("", None):
                continue
            if field in merged and merged[field] != value:
                problems.append(
                    _("%(field)s différent de la ligne %(line)d pour l'examen %(exam)s")
                    % {"field": EXAM_COLUMNS[field], "line": lines[field], "exam": code}
                )
            else:
                merged[field], lines[field] = value, row.line
        epreuve_code = row.get("epreuve")
        if epreuve_code:
            self._add_epreuve(row, code, epreuve_code, problems)
        else:
            for column in ("intitule", "discipline", "forme", "minutes_candidat"):
                if row.get(column):
                    problems.append(_("%s sans code d'épreuve") % column)
        if problems:
            self.errors.append(line_error(row.line, problems))

    def _add_epreuve(self, row: Row, exam: str, code: str, problems: list[str]) -> None:
        if problem := text_problem(code, _("epreuve"), 30):
            problems.append(problem)
        if (exam, code) in self.epreuve_rows:
            problems.append(
                _("épreuve déjà à la ligne %d") % self.epreuve_rows[(exam, code)][2]
            )
            return
        values = _epreuve_values(row, problems)
        discipline = row.get("discipline")
        new = (exam, code) not in self.epreuves
        if discipline:
            self._check_discipline(row, discipline, problems)
        elif new:
            problems.append(_("discipline manquante pour une nouvelle épreuve"))
        if new and not row.get("intitule"):
            problems.append(_("intitule manquant pour une nouvelle épreuve"))
        if new and not row.get("forme"):
            problems.append(_("forme manquante pour une nouvelle épreuve"))
        self.epreuve_rows[(exam, code)] = (values, discipline, row.line)

    def _check_discipline(self, row: Row, code: str, problems: list[str]) -> None:
        name = row.get("nom_discipline")
        if problem := text_problem(code, _("discipline"), 30) or text_problem(
            name, _("nom_discipline"), 200
        ):
            problems.append(problem)
        elif code in self.disciplines:
            return
        elif not name and code not in self.new_disciplines:
            problems.append(
                _("discipline « %s » inconnue (donnez nom_discipline pour la créer)")
                % code
            )
        elif name and code in self.new_disciplines:
            known, line = self.new_disciplines[code]
            if known != name:
                problems.append(_("nom_discipline différent de la ligne %d") % line)
        elif name:
            self.new_disciplines[code] = (name, row.line)

    def check_exams(self) -> None:
        for code, values in self.exam_values.items():
            exam = self.exams.get(code)
            kind = values.get("kind") or (exam.kind if exam else Exam.Kind.DIPLOMA)
            copy = values.get("copy_rate_level") or (exam and exam.copy_rate_level)
            hour = values.get("hour_rate_level") or (exam and exam.hour_rate_level)
            line = self.first_lines[code]
            problems = []
            if exam is None and not values.get("name"):
                problems.append(
                    _("nom_examen manquant pour le nouvel examen %s") % code
                )
            if kind == Exam.Kind.DIPLOMA and not (copy and hour):
                problems.append(
                    _("le diplôme %s a un taux_copie et un taux_oral") % code
                )
            if problems:
                self.errors.append(line_error(line, problems))


def exams_import(
    *,
    content: bytes,
    file_name: str = "",
    by: User | None,
    session: ExamSession,
) -> ImportReport:
    """Create or update the session's exams and épreuves of the file (and
    the disciplines it names), all or nothing. Audited once as
    `missions.exams.imported` on the session."""
    rows, errors = read_table(
        content,
        file_name=file_name,
        required=EXAMS_REQUIRED,
        optional=EXAMS_OPTIONAL,
    )
    if errors:
        return ImportReport(errors=capped(errors))
    plan = _ExamPlan(session, rows)
    for row in rows:
        plan.add(row)
    if not plan.errors:
        plan.check_exams()
    if plan.errors:
        return ImportReport(errors=capped(plan.errors))
    try:
        return _exams_write(plan, session=session, by=by, file_name=file_name)
    except IntegrityError:
        return ImportReport(errors=concurrent_change_error())


def _exams_write(
    plan: _ExamPlan, *, session: ExamSession, by: User | None, file_name: str
) -> ImportReport:
    report = ImportReport()
    with transaction.atomic():
        disciplines = dict(plan.disciplines)
        for code, (name, _line) in plan.new_disciplines.items():
            disciplines[code] = Discipline.objects.create(code=code, name=name)
            report.count("created")
        exams = {
            e.code: e
            for e in Exam.objects.select_for_update().filter(
                session=session, code__in=plan.exam_values
            )
        }
        for code, values in plan.exam_values.items():
            exam = exams.get(code)
            if exam is None:
                exam = Exam(session=session, code=code)
                changed_fields(exam, values)
                exam.save()
                exams[code] = exam
                report.count("created")
            elif changed := changed_fields(exam, values):
                exam.save(update_fields=changed)
                report.count("updated")
            else:
                report.count("unchanged")
        for (exam_code, code), (values, discipline, _line) in plan.epreuve_rows.items():
            epreuve = plan.epreuves.get((exam_code, code))
            if discipline:
                values = {**values, "discipline_id": disciplines[discipline].pk}
            if epreuve is None:
                epreuve = Epreuve(exam=exams[exam_code], code=code)
                changed_fields(epreuve, values)
                epreuve.save()
                report.count("created")
            elif changed := changed_fields(epreuve, values):
                epreuve.save(update_fields=changed)
                report.count("updated")
            else:
                report.count("unchanged")
        audit_log(
            actor=by,
            action="missions.exams.imported",
            target=session,
            data={"file": file_name[:200], **report.as_data()},
        )
    return report


EXAMS_REQUIRED = ("examen", "epreuve")
EXAMS_OPTIONAL = (
    "nom_examen",
    "nature",
    "taux_copie",
    "taux_oral",
    "coef_vae",
    "intitule",
    "discipline",
    "nom_discipline",
    "forme",
    "taux_copie_epreuve",
    "taux_oral_epreuve",
    "facultative",
    "minutes_candidat",
)

EXAMS = ImportKind(
    slug="examens",
    title=gettext_lazy("Importer des examens et leurs épreuves"),
    required=EXAMS_REQUIRED,
    optional=EXAMS_OPTIONAL,
    rules=(
        gettext_lazy(
            "Une ligne par épreuve ; examen : le code de l'examen dans la session "
            "choisie ; epreuve : le code de l'épreuve dans l'examen (vide pour un "
            "examen sans épreuve) ; ce sont leurs clés : ce qui est déjà connu est "
            "mis à jour ;"
        ),
        gettext_lazy(
            "nom_examen, nature (diplome ou concours), taux_copie (1 à 5), "
            "taux_oral (1 à 4), coef_vae (0,5 à 3) : sur une ligne au moins de "
            "l'examen, les autres peuvent rester vides ; un diplôme a ses deux "
            "taux ;"
        ),
        gettext_lazy(
            "intitule, discipline (code ; nom_discipline la crée si elle est "
            "inconnue), forme (ecrit, oral ou pratique) : obligatoires pour une "
            "nouvelle épreuve ;"
        ),
        gettext_lazy(
            "taux_copie_epreuve, taux_oral_epreuve : vides pour appliquer ceux de "
            "l'examen ; facultative : oui ou non ; minutes_candidat : durée "
            "d'interrogation par candidat."
        ),
    ),
    example=EXAMS_EXAMPLE,
    run=exams_import,
    may_import=may_import_missions_data,
    extra_fields=session_field,
)
