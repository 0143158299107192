"""Imports of the places a deployment starts with: communes (and their
neighbours), establishments. Read by `imagin.tabular_import`, all or nothing.

Communes, one per row, found by INSEE code: `code_insee` (5 digits, or 2A/2B
and 3 digits in Corsica), `nom`, and optionally `code_postal` (5 digits) and
`limitrophes` (INSEE codes separated by "|" or spaces, of communes in the
same file or already known), `latitude` and `longitude` (decimal degrees,
with a point or a comma, both or neither: the position that ranks people by
distance). Neighbours are symmetric and only ever added.

Establishments, one per row, found by UAI: `uai` (7 digits and a letter),
`nom`, `commune` (the INSEE code of a known commune).

A row creates what is not known yet and updates what is; an empty cell
never erases a stored value. Imported twice, a file changes nothing the
second time. One audit event per import, with its counts.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Commune, Establishment, User
from accounts.roles import MANAGER, has_role
from imagin.audit import audit_log
from imagin.tabular_import import (
    ImportKind,
    ImportReport,
    Row,
    capped,
    line_error,
    read_table,
    split_list,
)

INSEE = re.compile(r"(\d{5}|2[AB]\d{3})")
POSTAL_CODE = re.compile(r"\d{5}")
UAI = re.compile(r"\d{7}[A-Z]")
# Decimal degrees: "49.443", "-1,5", "49" (a spreadsheet's "1e-05" too).
DEGREES = re.compile(r"[+-]?\d{1,3}(?:[.,]\d{1,17})?(?:[eE][+-]?\d{1,3})?")

COMMUNES_OPTIONAL = ("code_postal", "limitrophes", "latitude", "longitude")
COMMUNES_EXAMPLE = """code_insee;nom;code_postal;limitrophes;latitude;longitude
76540;Rouen;76000;76451|76108;49,443;1,099
76108;Bois-Guillaume;76230;76451;49,460;1,120
27229;Évreux;27000;;49,024;1,151
"""
ESTABLISHMENTS_EXAMPLE = """uai;nom;commune
0760090D;Lycée Pierre-Corneille;76540
0760095J;Lycée Camille-Saint-Saëns;76540
0270016W;Lycée Aristide-Briand;27229
"""


def may_import_places(user: Any) -> bool:
    """The exam division sets up the places it works with."""
    return has_role(user, MANAGER) or (
        user.has_perm("accounts.add_commune")
        and user.has_perm("accounts.change_commune")
        and user.has_perm("accounts.add_establishment")
        and user.has_perm("accounts.change_establishment")
    )


def concurrent_change_error() -> list[str]:
    return [
        _(
            "Le fichier n'a pas été importé : les mêmes données ont été modifiées "
            "au même moment. Importez-le de nouveau."
        )
    ]


def text_problem(value: str, label: str, limit: int) -> str | None:
    """Why a text cell cannot be stored (too long), or None."""
    if len(value) > limit:
        return _("%(label)s : %(max)d caractères au plus") % {
            "label": label,
            "max": limit,
        }
    return None


def changed_fields(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set the non-empty `values` on `obj`; the names of those that changed."""
    changed = []
    for name, value in values.items():
        if value in ("", None):
            continue  # an empty cell never erases
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def insee_problem(code: str) -> str | None:
    if INSEE.fullmatch(code):
        return None
    return _("code INSEE « %s » invalide (5 chiffres attendus)") % code


# -- communes


def _degrees(row: Row, column: str, limit: int) -> tuple[float | None, str | None]:
    """The cell's value in decimal degrees within ±`limit`, or why not."""
    value = row.get(column).replace("\u2212", "-")  # a typographic minus
    if not value:
        return None, None
    shown = value if len(value) <= 20 else value[:20] + "…"
    if not DEGREES.fullmatch(value):
        return None, _(
            "%(label)s « %(value)s » invalide (degrés décimaux attendus, "
            "par exemple 49,443)"
        ) % {"label": column, "value": shown}
    degrees = float(value.replace(",", "."))
    if not -limit <= degrees <= limit:
        return None, _(
            "%(label)s « %(value)s » hors limites (de %(min)d à %(max)d)"
        ) % {
            "label": column,
            "value": shown,
            "min": -limit,
            "max": limit,
        }
    return degrees, None


def _position(row: Row) -> tuple[list[str], dict[str, float]]:
    """The row's problems with its position, and the position's values
    (none when both cells are empty: an empty cell never erases)."""
    latitude, lat_problem = _degrees(row, "latitude", 90)
    longitude, lon_problem = _degrees(row, "longitude", 180)
    problems = [p for p in (lat_problem, lon_problem) if p]
    if problems:
        return problems, {}
    if (latitude is None) != (longitude is None):
        return [
            _("latitude et longitude vont ensemble : indiquez les deux ou aucune")
        ], {}
    if latitude is None or longitude is None:
        return [], {}
    return [], {"latitude": latitude, "longitude": longitude}


def _commune_row(row: Row, seen: dict[str, int]) -> tuple[list[str], list[str]]:
    """The row's problems and its neighbours' codes."""
    problems = []
    code = row.get("code_insee").upper()
    name = row.get("nom")
    postal = row.get("code_postal")
    if not code:
        problems.append(_("code INSEE manquant"))
    elif problem := insee_problem(code):
        problems.append(problem)
    elif code in seen:
        problems.append(_("commune déjà à la ligne %d") % seen[code])
    if not name:
        problems.append(_("nom manquant"))
    elif problem := text_problem(name, _("nom"), 120):
        problems.append(problem)
    if postal and not POSTAL_CODE.fullmatch(postal):
        problems.append(_("code postal « %s » invalide (5 chiffres attendus)") % postal)
    neighbours = [c.upper() for c in split_list(row.get("limitrophes"))]
    for neighbour in neighbours:
        if problem := insee_problem(neighbour):
            problems.append(_("limitrophes : %s") % problem)
        elif neighbour == code:
            problems.append(_("une commune n'est pas limitrophe d'elle-même"))
    problems += _position(row)[0]
    return problems, neighbours


def communes_import(
    *, content: bytes, file_name: str = "", by: User | None
) -> ImportReport:
    """Create or update the communes of the file and add their neighbours,
    all or nothing. Audited once as `accounts.communes.imported`."""
    rows, errors = read_table(
        content,
        file_name=file_name,
        required=("code_insee", "nom"),
        optional=COMMUNES_OPTIONAL,
    )
    if errors:
        return ImportReport(errors=capped(errors))
    seen: dict[str, int] = {}
    planned: list[tuple[Row, list[str]]] = []
    for row in rows:
        problems, neighbours = _commune_row(row, seen)
        if problems:
            errors.append(line_error(row.line, problems))
            continue
        seen[row.get("code_insee").upper()] = row.line
        planned.append((row, neighbours))
    known = set(
        Commune.objects.filter(
            insee_code__in={n for _row, ns in planned for n in ns}
        ).values_list("insee_code", flat=True)
    )
    for row, neighbours in planned:
        unknown = [n for n in neighbours if n not in seen and n not in known]
        if unknown:
            errors.append(
                line_error(
                    row.line,
                    [_("commune limitrophe inconnue : %s") % code for code in unknown],
                )
            )
    if errors:
        return ImportReport(errors=capped(errors))
    try:
        return _communes_write(planned, by=by, file_name=file_name)
    except IntegrityError:
        return ImportReport(errors=concurrent_change_error())


def _communes_write(
    planned: list[tuple[Row, list[str]]], *, by: User | None, file_name: str
) -> ImportReport:
    report = ImportReport()
    with transaction.atomic():
        codes = [row.get("code_insee").upper() for row, _ns in planned]
        existing = Commune.objects.select_for_update().in_bulk(
            codes, field_name="insee_code"
        )
        outcome: dict[str, str] = {}
        for row, _neighbours in planned:
            code = row.get("code_insee").upper()
            commune = existing.get(code)
            values: dict[str, Any] = {
                "name": row.get("nom"),
                "postal_code": row.get("code_postal"),
                **_position(row)[1],
            }
            if commune is None:
                commune = Commune(insee_code=code)
                changed_fields(commune, values)
                commune.save()
                existing[code] = commune
                outcome[code] = "created"
            elif changed := changed_fields(commune, values):
                commune.save(update_fields=changed)
                outcome[code] = "updated"
            else:
                outcome[code] = "unchanged"
        wanted = {n for _row, ns in planned for n in ns} - existing.keys()
        existing.update(Commune.objects.in_bulk(wanted, field_name="insee_code"))
        pairs = Commune.neighbours.through.objects.filter(
            from_commune__in=[c.pk for c in existing.values()]
        ).values_list("from_commune_id", "to_commune_id")
        linked = set(pairs)
        for row, neighbours in planned:
            code = row.get("code_insee").upper()
            commune = existing[code]
            new = [
                existing[n]
                for n in neighbours
                if (commune.pk, existing[n].pk) not in linked
            ]
            if new:
                # Symmetrical: adding one side records both directions.
                commune.neighbours.add(*new)
                for other in new:
                    linked |= {(commune.pk, other.pk), (other.pk, commune.pk)}
                if outcome[code] == "unchanged":
                    outcome[code] = "updated"
        for result in outcome.values():
            report.count(result)
        audit_log(
            actor=by,
            action="accounts.communes.imported",
            target=by or next(iter(existing.values())),
            data={"file": file_name[:200], **report.as_data()},
        )
    return report


# -- establishments


def establishments_import(
    *, content: bytes, file_name: str = "", by: User | None
) -> ImportReport:
    """Create or update the establishments of the file, all or nothing.
    Audited once as `accounts.establishments.imported`."""
    rows, errors = read_table(
        content, file_name=file_name, required=("uai", "nom", "commune")
    )
    if errors:
        return ImportReport(errors=capped(errors))
    communes = Commune.objects.in_bulk(
        {row.get("commune").upper() for row in rows}, field_name="insee_code"
    )
    seen: dict[str, int] = {}
    planned: list[tuple[str, dict[str, Any]]] = []
    for row in rows:
        problems = []
        uai = row.get("uai").upper()
        if not UAI.fullmatch(uai):
            problems.append(
                _("UAI « %s » invalide (7 chiffres et une lettre attendus)")
                % row.get("uai")
            )
        elif uai in seen:
            problems.append(_("établissement déjà à la ligne %d") % seen[uai])
        name = row.get("nom")
        if not name:
            problems.append(_("nom manquant"))
        elif problem := text_problem(name, _("nom"), 200):
            problems.append(problem)
        code = row.get("commune").upper()
        commune = communes.get(code)
        if not code:
            problems.append(_("commune manquante (code INSEE)"))
        elif commune is None:
            problems.append(
                _("commune « %s » inconnue (importez d'abord les communes)") % code
            )
        if problems or commune is None:
            errors.append(line_error(row.line, problems))
            continue
        seen[uai] = row.line
        planned.append((uai, {"name": name, "commune_id": commune.pk}))
    if errors:
        return ImportReport(errors=capped(errors))
    try:
        return _establishments_write(planned, by=by, file_name=file_name)
    except IntegrityError:
        return ImportReport(errors=concurrent_change_error())


def _establishments_write(
    planned: list[tuple[str, dict[str, Any]]], *, by: User | None, file_name: str
) -> ImportReport:
    report = ImportReport()
    with transaction.atomic():
        existing = Establishment.objects.select_for_update().in_bulk(
            [uai for uai, _values in planned], field_name="uai"
        )
        for uai, values in planned:
            establishment = existing.get(uai)
            if establishment is None:
                existing[uai] = Establishment.objects.create(uai=uai, **values)
                report.count("created")
            elif changed := changed_fields(establishment, values):
                establishment.save(update_fields=changed)
                report.count("updated")
            else:
                report.count("unchanged")
        audit_log(
            actor=by,
            action="accounts.establishments.imported",
            target=by or next(iter(existing.values())),
            data={"file": file_name[:200], **report.as_data()},
        )
    return report


COMMUNES = ImportKind(
    slug="communes",
    title=gettext_lazy("Importer des communes"),
    required=("code_insee", "nom"),
    optional=COMMUNES_OPTIONAL,
    rules=(
        gettext_lazy(
            "code_insee : 5 chiffres (2A ou 2B et 3 chiffres en Corse), la clé "
            "de la commune : une commune déjà connue est mise à jour ;"
        ),
        gettext_lazy("nom ; code_postal : 5 chiffres ;"),
        gettext_lazy(
            "limitrophes : les codes INSEE des communes limitrophes, séparés par "
            "« | » ou des espaces, de communes du fichier ou déjà connues. Le "
            "voisinage vaut dans les deux sens ; l'import en ajoute, n'en retire "
            "jamais."
        ),
        gettext_lazy(
            "latitude ; longitude : la position de la commune en degrés "
            "décimaux (virgule ou point), de -90 à 90 et de -180 à 180, les "
            "deux ou aucune ; elle sert à classer les intervenants par distance."
        ),
    ),
    example=COMMUNES_EXAMPLE,
    run=communes_import,
    may_import=may_import_places,
)

ESTABLISHMENTS = ImportKind(
    slug="etablissements",
    title=gettext_lazy("Importer des établissements"),
    required=("uai", "nom", "commune"),
    optional=(),
    rules=(
        gettext_lazy(
            "uai : 7 chiffres et une lettre, la clé de l'établissement : un "
            "établissement déjà connu est mis à jour ;"
        ),
        gettext_lazy(
            "nom ; commune : le code INSEE d'une commune déjà connue (importez "
            "les communes d'abord)."
        ),
    ),
    example=ESTABLISHMENTS_EXAMPLE,
    run=establishments_import,
    may_import=may_import_places,
)
