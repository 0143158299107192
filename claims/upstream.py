"""Counts recorded upstream, imported from a CSV file, all or nothing, and
compared with what each claim declares.

The file is what an on-screen marking platform exports: a header row, then
one row per participant and épreuve (or mission), semicolons or commas,
UTF-8 with or without BOM (Windows-1252 as Excel saves it is read too).
Header names, in any order, accents and case ignored:

- `numero_intervenant` (required): the participant's number (an external
  participant's sign-in name, an agent's "numéro d'intervenant");
- `epreuve` (the épreuve's code in the chosen session) or `mission` (the
  mission's number in IMAG'IN), exactly one of the two;
- `examen` (optional, with `epreuve`): the exam's code, needed when two exams
  of the session have an épreuve with the same code;
- `copies` and/or `candidats`: whole numbers; a cell may be empty when the
  other count is given.

Every row is checked before anything is written; any bad row is reported with
its line number and reason, and then nothing is written. Importing a row whose
participant and épreuve (or mission) were imported before replaces the old
counts. One audit event per import, on the session, with its counts.

A claim's recorded counts are its participant's rows for its mission and for
its mission's épreuve; the claim agrees with them ("conforme") when every
count they give equals the one declared, differs otherwise, and is "absent"
when there is no such row (`matching`, `differing`).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from claims.models import Claim, UpstreamCount
from imagin.audit import audit_log

# Read and reported as the missions' import does.
from missions.imports import _decode, _line_error
from missions.models import Epreuve, ExamSession, Mission

PARTICIPANT, EPREUVE, MISSION, EXAM = (
    "numero_intervenant",
    "epreuve",
    "mission",
    "examen",
)
COPIES, CANDIDATES = "copies", "candidats"
KNOWN = (PARTICIPANT, EXAM, EPREUVE, MISSION, COPIES, CANDIDATES)
EXAMPLE = "numero_intervenant;epreuve;copies\nE2027001;PHILO;118\nA0001234;PHILO;95\n"
MAX_ROWS = 20000
MAX_COUNT = 100_000  # far above any real count; refuses typing slips
MAX_ERRORS_SHOWN = 100
AUDIT_ACTION = "claims.upstream_counts.imported"


@dataclass
class ImportResult:
    created: int = 0
    replaced: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    participant: User
    epreuve: Epreuve | None
    mission: Mission | None
    copies: int | None
    candidates: int | None

    @property
    def key(self) -> tuple[int, int | None, int | None]:
        return (
            self.participant.pk,
            self.epreuve.pk if self.epreuve else None,
            self.mission.pk if self.mission else None,
        )


def _plain(name: str) -> str:
    """A header name without accents, case or spaces ("Épreuve " -> "epreuve")."""
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace(
        " ", "_"
    )


def _shown(value: str) -> str:
    """A cell as quoted in a message: printable, and short."""
    text = "".join(c if c.isprintable() else "?" for c in value)
    return text if len(text) <= 30 else text[:30] + "…"


def _count(value: str) -> int | None | bool:
    """A count cell: None if empty, the number, or False if unreadable."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        return False
    number = int(value)
    return number if number <= MAX_COUNT else False


def _id(value: str) -> int | None:
    """A mission's number, or None if it cannot be one."""
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        return None
    number = int(value)
    return number if 0 < number < 2**63 else None


def _header_error(header: list[str]) -> str | None:
    unknown = [name for name in header if name not in KNOWN]
    if unknown:
        return _(
            "Ligne 1 : colonne « %(name)s » inconnue (colonnes possibles : %(known)s)."
        ) % {"name": _shown(unknown[0]), "known": ", ".join(KNOWN)}
    if len(set(header)) != len(header):
        return _("Ligne 1 : une colonne est en double.")
    if PARTICIPANT not in header:
        return _("Ligne 1 : la colonne « %s » manque.") % PARTICIPANT
    if (EPREUVE in header) == (MISSION in header):
        return _(
            "Ligne 1 : il faut une colonne « epreuve » ou « mission » (une seule)."
        )
    if EXAM in header and EPREUVE not in header:
        return _("Ligne 1 : la colonne « examen » ne va qu'avec « epreuve ».")
    if COPIES not in header and CANDIDATES not in header:
        return _("Ligne 1 : il faut une colonne « copies » ou « candidats ».")
    return None


class _Lookups:
    """The session's participants, épreuves and missions the file names, read
    in one query each."""

    def __init__(self, session: ExamSession, rows: list[dict[str, str]]) -> None:
        numbers = {r.get(PARTICIPANT, "") for r in rows} - {""}
        self.participants = {
            u.participant_number: u
            for u in User.objects.filter(participant_number__in=numbers)
        }
        self.epreuves: dict[str, list[Epreuve]] = {}
        if any(EPREUVE in r for r in rows):
            for epreuve in Epreuve.objects.filter(exam__session=session).select_related(
                "exam"
            ):
                self.epreuves.setdefault(epreuve.code, []).append(epreuve)
        ids = {i for r in rows if (i := _id(r.get(MISSION, ""))) is not None}
        self.missions = {
            m.pk: m for m in Mission.objects.filter(exam__session=session, pk__in=ids)
        }

    def epreuve(self, code: str, exam: str | None) -> tuple[Epreuve | None, str]:
        found = [
            e
            for e in self.epreuves.get(code, [])
            if exam is None or e.exam.code == exam
        ]
        if len(found) == 1:
            return found[0], ""
        if not found:
            if exam:
                return None, _(
                    "épreuve « %(code)s » inconnue pour l'examen « %(exam)s »"
                ) % {"code": _shown(code), "exam": _shown(exam)}
            return None, _("épreuve « %s » inconnue dans la session") % _shown(code)
        return None, _(
            "plusieurs examens de la session ont une épreuve « %s » : "
            "ajoutez une colonne « examen »"
        ) % _shown(code)


def _check_row(
    number: int, values: dict[str, str], lookups: _Lookups
) -> tuple[_Row | None, list[str]]:
    problems = []
    participant = lookups.participants.get(values[PARTICIPANT])
    if not values[PARTICIPANT]:
        problems.append(_("numéro d'intervenant manquant"))
    elif participant is None:
        problems.append(
            _("intervenant n° « %s » inconnu") % _shown(values[PARTICIPANT])
        )
    epreuve = mission = None
    if EPREUVE in values:
        if not values[EPREUVE]:
            problems.append(_("code d'épreuve manquant"))
        else:
            epreuve, problem = lookups.epreuve(
                values[EPREUVE], values.get(EXAM) or None
            )
            if problem:
                problems.append(problem)
    else:
        mission_id = _id(values[MISSION])
        mission = lookups.missions.get(mission_id) if mission_id else None
        if mission is None:
            problems.append(
                _("mission n° « %s » inconnue dans la session")
                % _shown(values[MISSION])
            )
    counts = {}
    for column in (COPIES, CANDIDATES):
        counts[column] = _count(values.get(column, ""))
        if counts[column] is False:
            problems.append(
                _(
                    "%(column)s « %(value)s » : "
                    "un nombre entier de 0 à %(max)s est attendu"
                )
                % {
                    "column": column,
                    "value": _shown(values[column]),
                    "max": f"{MAX_COUNT:,}".replace(",", "\u202f"),
                }
            )
    if counts[COPIES] is None and counts[CANDIDATES] is None:
        problems.append(_("ni copies ni candidats"))
    if problems or participant is None or (epreuve is None and mission is None):
        return None, problems
    copies, candidates = counts[COPIES], counts[CANDIDATES]
    assert copies is not False and candidates is not False  # among the problems
    return _Row(number, participant, epreuve, mission, copies, candidates), []


def parse(session: ExamSession, content: bytes) -> tuple[list[_Row], list[str]]:
    """The rows to import and the errors found, without writing anything."""
    text = _decode(content)
    if "\x00" in text:
        return [], [_("Le fichier contient des caractères nuls : est-ce bien un CSV ?")]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        return [], [_("Le fichier n'est pas un CSV lisible.")]
    if not rows or not any(cell.strip() for cell in rows[0]):
        return [], [_("Le fichier est vide.")]
    header = [_plain(cell) for cell in rows[0]]
    if problem := _header_error(header):
        return [], [problem]
    if len(rows) - 1 > MAX_ROWS:
        return [], [_("Le fichier dépasse %(max)d lignes.") % {"max": MAX_ROWS}]

    errors: list[str] = []
    lines: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, as spreadsheets leave them
        if len(cells) != len(header):
            errors.append(
                _("Ligne %(n)d : %(count)d colonnes au lieu de %(expected)d.")
                % {"n": number, "count": len(cells), "expected": len(header)}
            )
            continue
        lines.append(
            (number, dict(zip(header, (c.strip() for c in cells), strict=True)))
        )
    lookups = _Lookups(session, [values for _n, values in lines])

    found: list[_Row] = []
    seen: dict[tuple, int] = {}
    for number, values in lines:
        row, problems = _check_row(number, values, lookups)
        if row is None:
            errors.append(_line_error(number, problems))
            continue
        if row.key in seen:
            errors.append(
                _line_error(
                    number,
                    [
                        _(
                            "même intervenant et même épreuve (ou mission) "
                            "qu'à la ligne %d"
                        )
                        % seen[row.key]
                    ],
                )
            )
            continue
        seen[row.key] = number
        found.append(row)
    if not found and not errors:
        errors.append(_("Le fichier ne contient aucun comptage."))
    errors.sort(key=_line_number)
    return found, errors


def _line_number(error: str) -> int:
    digits = "".join(c for c in error.split(":", 1)[0] if c.isdigit())
    return int(digits) if digits else 0


def _shortened(errors: list[str]) -> list[str]:
    if len(errors) <= MAX_ERRORS_SHOWN:
        return errors
    rest = len(errors) - MAX_ERRORS_SHOWN
    return [
        *errors[:MAX_ERRORS_SHOWN],
        _("… et %d autres lignes à corriger.") % rest,
    ]


def upstream_counts_import(
    *, session: ExamSession, content: bytes, file_name: str, by: User
) -> ImportResult:
    """Store every count of the file, replacing earlier ones for the same
    participant and épreuve (or mission), or none when any row is wrong."""
    rows, errors = parse(session, content)
    if errors:
        return ImportResult(errors=_shortened(errors))
    now = timezone.now()
    name = _shown(file_name)[:255] if file_name else ""
    with transaction.atomic():
        # Two imports for one session at once would both delete then insert
        # the same keys: the second waits for the first.
        ExamSession.objects.select_for_update().filter(pk=session.pk).first()
        keys = {row.key for row in rows}
        old = [
            pk
            for pk, *key in UpstreamCount.objects.filter(
                participant_id__in={key[0] for key in keys}
            ).values_list("pk", "participant_id", "epreuve_id", "mission_id")
            if tuple(key) in keys
        ]
        UpstreamCount.objects.filter(pk__in=old).delete()
        UpstreamCount.objects.bulk_create(
            UpstreamCount(
                participant=row.participant,
                epreuve=row.epreuve,
                mission=row.mission,
                copies=row.copies,
                candidates=row.candidates,
                imported_at=now,
                source_file=name,
                imported_by=by,
            )
            for row in rows
        )
        audit_log(
            actor=by,
            action=AUDIT_ACTION,
            target=session,
            data={
                "file": name,
                "rows": len(rows),
                "created": len(rows) - len(old),
                "replaced": len(old),
            },
        )
    return ImportResult(created=len(rows) - len(old), replaced=len(old))


# ------------------------------------------------------------- comparison


def matching() -> Q:
    """The recorded counts of the (outer) claim, in a subquery on UpstreamCount
    whose outer query is the claims."""
    return Q(participant=OuterRef("assignment__participant")) & (
        Q(mission=OuterRef("assignment__mission"))
        | Q(mission__isnull=True, epreuve=OuterRef("assignment__mission__epreuve"))
    )


def differing() -> Q:
    """Recorded counts that disagree with their (outer) claim's declaration; a
    count not declared disagrees with any recorded one."""
    return (
        Q(copies__isnull=False)
        & ~Q(copies=Coalesce(OuterRef("copies_declared"), Value(-1)))
    ) | (
        Q(candidates__isnull=False)
        & ~Q(candidates=Coalesce(OuterRef("candidates_declared"), Value(-1)))
    )


def recorded_for(claim: Claim) -> QuerySet[UpstreamCount]:
    """The counts recorded for one claim, its mission's first (one query)."""
    mission = claim.assignment.mission
    return (
        UpstreamCount.objects.filter(participant_id=claim.assignment.participant_id)
        .filter(
            Q(mission_id=mission.pk)
            | Q(mission__isnull=True, epreuve_id=mission.epreuve_id)
            if mission.epreuve_id
            else Q(mission_id=mission.pk)
        )
        .select_related("epreuve", "imported_by")
        .order_by(F("epreuve_id").asc(nulls_first=True), "pk")
    )
