"""Importing communes (with their neighbours) and establishments: created,
updated or unchanged by natural key, every error by line, all or nothing."""

from __future__ import annotations

import csv
import io
import math

import pytest
from hypothesis import HealthCheck, example, given, settings

from accounts.imports import communes_import, establishments_import
from accounts.models import Commune, Establishment
from imagin.audit import AuditEvent
from tests import factories
from tests.hostile import hostile_number_text

pytestmark = pytest.mark.django_db

COMMUNES = (
    "code_insee;nom;code_postal;limitrophes\n"
    "76540;Rouen;76000;76451|76108\n"
    "76108;Bois-Guillaume;76230;\n"
    "76451;Mont-Saint-Aignan;76130;76108\n"
)


def _communes(text: str, by, encoding: str = "utf-8"):
    return communes_import(content=text.encode(encoding), file_name="c.csv", by=by)


def _neighbours(code: str) -> set[str]:
    commune = Commune.objects.get(insee_code=code)
    return set(commune.neighbours.values_list("insee_code", flat=True))


def test_communes_are_created_with_symmetric_neighbours(manager):
    report = _communes(COMMUNES, manager)
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert _neighbours("76540") == {"76451", "76108"}
    assert _neighbours("76108") == {"76540", "76451"}
    event = AuditEvent.objects.get(action="accounts.communes.imported")
    assert event.data == {"file": "c.csv", "created": 3, "updated": 0, "unchanged": 0}


def test_a_commune_file_imported_twice_changes_nothing_the_second_time(manager):
    _communes(COMMUNES, manager)
    report = _communes(COMMUNES, manager)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)


def test_known_communes_are_updated_and_empty_cells_erase_nothing(manager):
    factories.CommuneFactory(insee_code="27229", name="Evreux", postal_code="27000")
    factories.CommuneFactory(insee_code="27056", name="Le Vieil-Évreux")
    report = _communes(
        "code_insee;nom;code_postal;limitrophes\n27229;Évreux;;27056\n", manager
    )
    assert (report.created, report.updated) == (0, 1)
    evreux = Commune.objects.get(insee_code="27229")
    assert (evreux.name, evreux.postal_code) == ("Évreux", "27000")
    assert _neighbours("27056") == {"27229"}
    # Only a neighbour added is an update too; none is ever removed.
    report = _communes("code_insee;nom\n27229;Évreux\n", manager)
    assert (report.updated, report.unchanged) == (0, 1)
    assert _neighbours("27229") == {"27056"}


def test_a_windows_1252_commune_file_is_read(manager):
    _communes("code_insee;nom\n27229;Évreux\n", manager, encoding="cp1252")
    assert Commune.objects.get(insee_code="27229").name == "Évreux"


def test_every_commune_error_is_given_with_its_line_and_nothing_is_written(manager):
    text = (
        "code_insee;nom;code_postal;limitrophes\n"
        "76540;Rouen;76000;\n"
        "7613;Bad;;\n"
        ";;;\n"
        "76540;Rouen bis;;\n"
        "76108;;7623;\n"
        "76109;X;;99999 76109 12\n"
        "2A004;Ajaccio;20000;\n" + "76110;" + "n" * 121 + ";;\n"
    )
    report = _communes(text, manager)
    assert report.errors == [
        "Ligne 3 : code INSEE « 7613 » invalide (5 chiffres attendus).",
        "Ligne 5 : commune déjà à la ligne 2.",
        "Ligne 6 : nom manquant ; code postal « 7623 » invalide (5 chiffres attendus).",
        "Ligne 7 : une commune n'est pas limitrophe d'elle-même ; limitrophes : "
        "code INSEE « 12 » invalide (5 chiffres attendus).",
        "Ligne 9 : nom : 120 caractères au plus.",
    ]
    assert not Commune.objects.filter(insee_code__in=["76540", "2A004"]).exists()
    assert not AuditEvent.objects.filter(action="accounts.communes.imported").exists()
    report = _communes("code_insee;nom;limitrophes\n76540;Rouen;99999\n", manager)
    assert report.errors == ["Ligne 2 : commune limitrophe inconnue : 99999."]
    assert not Commune.objects.filter(insee_code="76540").exists()


def _position(code: str) -> tuple[float | None, float | None]:
    commune = Commune.objects.get(insee_code=code)
    return commune.latitude, commune.longitude


def test_communes_get_their_position_with_a_comma_or_a_point(manager):
    text = (
        "code_insee;nom;latitude;longitude\n"
        "76540;Rouen;49,443;1,099\n"
        "76108;Bois-Guillaume;49.460;+1.12\n"
        "97411;Saint-Denis;−20,882;55,450\n"
        "27229;Évreux;;\n"
    )
    report = _communes(text, manager)
    assert report.errors == []
    assert _position("76540") == (49.443, 1.099)
    assert _position("76108") == (49.46, 1.12)
    assert _position("97411") == (-20.882, 55.45)
    assert _position("27229") == (None, None)
    # Imported again: nothing changes; the bounds themselves are allowed.
    again = _communes(text, manager)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    report = _communes(
        "code_insee;nom;latitude;longitude\n27229;Évreux;-90;180\n", manager
    )
    assert (report.updated, _position("27229")) == (1, (-90.0, 180.0))


def test_a_position_is_changed_by_a_new_one_and_never_erased(manager):
    factories.CommuneFactory(
        insee_code="27229", name="Évreux", latitude=49.0, longitude=1.0
    )
    report = _communes(
        "code_insee;nom;latitude;longitude\n27229;Évreux;49,024;1,151\n", manager
    )
    assert report.updated == 1 and _position("27229") == (49.024, 1.151)
    for text in (
        "code_insee;nom;latitude;longitude\n27229;Évreux;;\n",
        "code_insee;nom\n27229;Évreux\n",
    ):
        report = _communes(text, manager)
        assert (report.updated, report.unchanged) == (0, 1)
        assert _position("27229") == (49.024, 1.151)


def test_every_position_error_is_given_with_its_line_and_nothing_is_written(manager):
    factories.CommuneFactory(insee_code="27229", name="Évreux")
    text = (
        "code_insee;nom;latitude;longitude\n"
        "76540;Rouen;49,443;1,099\n"
        "76108;Bois-Guillaume;49,460;\n"
        "76451;Mont-Saint-Aignan;;1,080\n"
        "27229;Évreux;90,5;-180,01\n"
        "76109;X;49°26';1 099\n"
        "76110;Y;nan;1e999\n"
    )
    report = _communes(text, manager)
    assert report.errors == [
        "Ligne 3 : latitude et longitude vont ensemble : indiquez les deux ou aucune.",
        "Ligne 4 : latitude et longitude vont ensemble : indiquez les deux ou aucune.",
        "Ligne 5 : latitude « 90,5 » hors limites (de -90 à 90) ; longitude "
        "« -180,01 » hors limites (de -180 à 180).",
        "Ligne 6 : latitude « 49°26' » invalide (degrés décimaux attendus, par "
        "exemple 49,443) ; longitude « 1 099 » invalide (degrés décimaux "
        "attendus, par exemple 49,443).",
        "Ligne 7 : latitude « nan » invalide (degrés décimaux attendus, par "
        "exemple 49,443) ; longitude « 1e999 » hors limites (de -180 à 180).",
    ]
    assert not Commune.objects.filter(insee_code="76540").exists()
    assert _position("27229") == (None, None)


def _one_row(latitude: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["code_insee", "nom", "latitude", "longitude"])
    writer.writerow(["76540", "Rouen", latitude, "1,099"])
    return out.getvalue().encode()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(latitude=hostile_number_text())
@example(latitude="1" + "0" * 400)
@example(latitude="1e-999")
def test_a_hostile_latitude_is_refused_by_line_or_stored_in_range(manager, latitude):
    Commune.objects.filter(insee_code="76540").delete()
    report = communes_import(content=_one_row(latitude), by=manager)
    stored = Commune.objects.filter(insee_code="76540").first()
    if report.errors:
        assert stored is None
        assert all(error.startswith("Ligne ") for error in report.errors)
    else:
        assert stored is not None and stored.latitude is not None
        assert math.isfinite(stored.latitude) and -90 <= stored.latitude <= 90


def test_establishments_are_created_updated_or_unchanged_by_uai(manager):
    rouen = factories.CommuneFactory(insee_code="76540", name="Rouen")
    factories.EstablishmentFactory(uai="0760090D", name="Corneille", commune=rouen)
    text = (
        "UAI;Nom;Commune\n"
        "0760090d;Lycée Pierre-Corneille;76540\n"
        "0760095J;Lycée Saint-Saëns;76540\n"
    )
    report = establishments_import(content=text.encode(), by=manager)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert Establishment.objects.get(uai="0760090D").name == "Lycée Pierre-Corneille"
    again = establishments_import(content=text.encode(), by=manager)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert (
        AuditEvent.objects.filter(action="accounts.establishments.imported").count()
        == 2
    )


def test_every_establishment_error_is_given_and_nothing_is_written(manager):
    factories.CommuneFactory(insee_code="76540")
    text = (
        "uai;nom;commune\n"
        "0760095J;Bon;76540\n"
        "076009;Court;76540\n"
        "0760095J;Double;76540\n"
        "0760096K;;99999\n"
        "0760097L;Sans commune;\n"
    )
    report = establishments_import(content=text.encode(), by=manager)
    assert report.errors == [
        "Ligne 3 : UAI « 076009 » invalide (7 chiffres et une lettre attendus).",
        "Ligne 4 : établissement déjà à la ligne 2.",
        "Ligne 5 : nom manquant ; commune « 99999 » inconnue (importez d'abord les "
        "communes).",
        "Ligne 6 : commune manquante (code INSEE).",
    ]
    assert not Establishment.objects.filter(uai="0760095J").exists()
