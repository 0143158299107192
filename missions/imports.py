"""Import of a session's missions from a CSV file, all or nothing.

The format is documented in README.md ("Importing missions"): one row per
mission, columns `examen;epreuve;type;centre;debut;fin;volume;besoin`, a
header row, semicolons (or commas), UTF-8 or Windows-1252 as Excel saves it.
Every row is checked before anything is written; any bad row is reported
with its line number and reason, and then nothing is written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from imagin.audit import audit_log
from missions.models import Centre, Epreuve, Exam, ExamSession, Mission, MissionType

COLUMNS = ["examen", "epreuve", "type", "centre", "debut", "fin", "volume", "besoin"]
DATETIME_FORMATS = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
)
MAX_ROWS = 20000


@dataclass
class ImportResult:
    created: int = 0
    errors: list[str] | None = None


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _parse_datetime(value: str) -> datetime | None:
    for pattern in DATETIME_FORMATS:
        try:
            return timezone.make_aware(datetime.strptime(value.strip(), pattern))
        except ValueError:
            continue
    return None


def _parse_int(value: str, *, minimum: int) -> int | None:
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= minimum else None


def _line_error(number: int, problems: list[str]) -> str:
    return _("Ligne %(n)d : %(problems)s.") % {
        "n": number,
        "problems": " ; ".join(problems),
    }


def parse(session: ExamSession, content: bytes) -> tuple[list[Mission], list[str]]:
    """Missions to create and the errors found, without writing anything."""
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        return [], [_("Le fichier est vide.")]
    header = [cell.strip().lower() for cell in rows[0]]
    if header != COLUMNS:
        return [], [
            _("Ligne 1 : l'en-tête doit être « %(expected)s » (reçu : « %(got)s »).")
            % {"expected": ";".join(COLUMNS), "got": ";".join(rows[0])}
        ]
    if len(rows) - 1 > MAX_ROWS:
        return [], [_("Le fichier dépasse %(max)d missions.") % {"max": MAX_ROWS}]

    exams = {exam.code: exam for exam in Exam.objects.filter(session=session)}
    epreuves = {
        (e.exam_id, e.code): e for e in Epreuve.objects.filter(exam__session=session)
    }
    types = {t.code: t for t in MissionType.objects.all()}
    centres = {c.code: c for c in Centre.objects.all()}
    # A file imported twice must not create its missions twice.
    seen: dict[tuple, int | None] = {
        key: None
        for key in Mission.objects.filter(exam__session=session).values_list(
            "exam_id",
            "epreuve_id",
            "mission_type_id",
            "centre_id",
            "starts_at",
            "ends_at",
        )
    }

    missions, errors = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines, as spreadsheets leave them
        if len(row) != len(COLUMNS):
            errors.append(
                _("Ligne %(n)d : %(count)d colonnes au lieu de %(expected)d.")
                % {"n": number, "count": len(row), "expected": len(COLUMNS)}
            )
            continue
        values = dict(zip(COLUMNS, (cell.strip() for cell in row), strict=True))
        problems = []
        exam = exams.get(values["examen"])
        if exam is None:
            problems.append(
                _("examen « %(code)s » inconnu dans la session %(session)s")
                % {"code": values["examen"], "session": session}
            )
        epreuve = None
        if values["epreuve"] and exam is not None:
            epreuve = epreuves.get((exam.pk, values["epreuve"]))
            if epreuve is None:
                problems.append(
                    _("épreuve « %(code)s » inconnue pour l'examen %(exam)s")
                    % {"code": values["epreuve"], "exam": exam.code}
                )
        mission_type = types.get(values["type"])
        if mission_type is None:
            problems.append(_("type de mission « %s » inconnu") % values["type"])
        centre = centres.get(values["centre"])
        if centre is None:
            problems.append(_("centre « %s » inconnu") % values["centre"])
        starts_at = _parse_datetime(values["debut"])
        ends_at = _parse_datetime(values["fin"])
        if starts_at is None:
            problems.append(
                _("début « %s » illisible (attendu JJ/MM/AAAA HH:MM)") % values["debut"]
            )
        if ends_at is None:
            problems.append(
                _("fin « %s » illisible (attendu JJ/MM/AAAA HH:MM)") % values["fin"]
            )
        if starts_at and ends_at and ends_at <= starts_at:
            problems.append(_("la fin doit être postérieure au début"))
        volume = None
        if values["volume"]:
            volume = _parse_int(values["volume"], minimum=0)
            if volume is None:
                problems.append(
                    _("volume « %s » : un nombre entier positif est attendu")
                    % values["volume"]
                )
        need = _parse_int(values["besoin"] or "1", minimum=1)
        if need is None or need > 1000:
            problems.append(
                _("besoin « %s » : un nombre entier de 1 à 1000 est attendu")
                % values["besoin"]
            )
        # A value missing is always among the problems; the checker is told so.
        if (
            problems
            or exam is None
            or mission_type is None
            or centre is None
            or starts_at is None
            or ends_at is None
            or need is None
        ):
            errors.append(_line_error(number, problems))
            continue
        key = (
            exam.pk,
            epreuve.pk if epreuve else None,
            mission_type.pk,
            centre.pk,
            starts_at,
            ends_at,
        )
        if key in seen:
            problems.append(
                _("cette mission est déjà dans la session")
                if seen[key] is None
                else _("même mission qu'à la ligne %d") % seen[key]
            )
            problems.append(_("pour plusieurs intervenants, utilisez « besoin »"))
            errors.append(_line_error(number, problems))
            continue
        seen[key] = number
        missions.append(
            Mission(
                exam=exam,
                epreuve=epreuve,
                mission_type=mission_type,
                centre=centre,
                starts_at=starts_at,
                ends_at=ends_at,
                planned_volume=volume,
                staffing_need=need,
            )
        )
    if not missions and not errors:
        errors.append(_("Le fichier ne contient aucune mission."))
    return missions, errors


def missions_import(*, session: ExamSession, content: bytes, by: User) -> ImportResult:
    """Create every mission of the file, or none when any row is wrong."""
    missions, errors = parse(session, content)
    if errors:
        return ImportResult(created=0, errors=errors)
    with transaction.atomic():
        Mission.objects.bulk_create(missions)
        audit_log(
            actor=by,
            action="missions.missions.imported",
            target=session,
            data={"created": len(missions)},
        )
    return ImportResult(created=len(missions), errors=[])
