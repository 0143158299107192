"""Importing centres, and a session's exams with their épreuves: created,
updated or unchanged by natural key, every error by line, all or nothing,
CSV or XLSX."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from imagin.audit import AuditEvent
from missions.exam_imports import exams_import
from missions.models import Centre, Discipline, Epreuve, Exam
from missions.reference_imports import centres_import
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(db):
    rouen = factories.CommuneFactory(insee_code="76540", name="Rouen")
    factories.CommuneFactory(insee_code="27229", name="Évreux")
    factories.EstablishmentFactory(uai="0760090D", commune=rouen)


CENTRES = (
    "code;nom;adresse;commune;uai\n"
    "C-ROUEN;Lycée Corneille;4 rue du Maulévrier;76540;0760090D\n"
    "C-EVREUX;Parc des expositions;1 rue du Parc;27229;\n"
)


def _centres(text: str, by):
    return centres_import(content=text.encode(), file_name="centres.csv", by=by)


def test_centres_are_created_then_unchanged(places, manager):
    report = _centres(CENTRES, manager)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    rouen = Centre.objects.get(code="C-ROUEN")
    assert (rouen.commune.insee_code, rouen.establishment.uai) == ("76540", "0760090D")
    assert Centre.objects.get(code="C-EVREUX").establishment is None
    again = _centres(CENTRES, manager)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AuditEvent.objects.filter(action="missions.centres.imported").count() == 2


def test_a_known_centre_is_updated_and_empty_cells_erase_nothing(places, manager):
    _centres(CENTRES, manager)
    report = _centres("code;nom;adresse;commune;uai\nC-ROUEN;Corneille;;;\n", manager)
    assert (report.updated, report.errors) == (1, [])
    rouen = Centre.objects.get(code="C-ROUEN")
    assert (rouen.name, rouen.address) == ("Corneille", "4 rue du Maulévrier")
    assert rouen.establishment is not None


def test_every_centre_error_is_given_and_nothing_is_written(places, manager):
    text = (
        "code;nom;adresse;commune;uai\n"
        "C-OK;Bon;1 rue;76540;\n"
        "C-NEW;;;;\n"
        "C-OK;Double;1 rue;76540;\n"
        "C-BAD;Bad;1 rue;99999;0000000X\n"
    )
    report = _centres(text, manager)
    assert report.errors == [
        "Ligne 3 : nom manquant pour un nouveau centre ; adresse manquant pour un "
        "nouveau centre ; commune manquante pour un nouveau centre.",
        "Ligne 4 : centre déjà à la ligne 2.",
        "Ligne 5 : commune « 99999 » inconnue ; établissement « 0000000X » inconnu.",
    ]
    assert not Centre.objects.exists()


EXAMS = (
    "examen;nom_examen;nature;taux_copie;taux_oral;coef_vae;epreuve;intitule;"
    "discipline;nom_discipline;forme;facultative;minutes_candidat\n"
    "BACGEN;Baccalauréat général;diplome;5;3;;PHILO;Philosophie;PHILO;Philosophie;"
    "écrit;non;\n"
    "BACGEN;;;;;;GO;Grand oral;PHILO;;Oral;oui;20\n"
    "CAPES;CAPES externe;concours;;;;;;;;;;\n"
    "BTS;BTS CG;diplome;4;3;1,5;E6;Parcours;ECOGEST;Économie et gestion;oral;;30\n"
)


def _exams(text, by, session, **kwargs):
    content = text if isinstance(text, bytes) else text.encode()
    return exams_import(content=content, by=by, session=session, **kwargs)


def test_exams_their_epreuves_and_disciplines_are_created_then_unchanged(manager):
    session = factories.ExamSessionFactory()
    report = _exams(EXAMS, manager, session)
    # 3 exams, 3 épreuves, 2 disciplines.
    assert (report.errors, report.created) == ([], 8)
    bac = Exam.objects.get(session=session, code="BACGEN")
    assert (bac.kind, bac.copy_rate_level, bac.hour_rate_level) == ("diploma", "5", "3")
    oral = Epreuve.objects.get(exam=bac, code="GO")
    assert (oral.form, oral.optional, oral.minutes_per_candidate) == ("oral", True, 20)
    assert oral.discipline.name == "Philosophie"
    assert Exam.objects.get(code="CAPES").kind == "competition"
    assert Exam.objects.get(code="BTS").vae_coefficient == Decimal("1.5")
    again = _exams(EXAMS, manager, session)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    event = AuditEvent.objects.filter(action="missions.exams.imported").first()
    assert event.target_id == session.pk


def test_exams_are_found_within_their_session_only(manager):
    first, second = factories.ExamSessionFactory(), factories.ExamSessionFactory()
    _exams(EXAMS, manager, first)
    report = _exams(EXAMS, manager, second)
    assert report.created == 6  # the disciplines are shared, the exams are not
    assert Exam.objects.filter(code="BACGEN").count() == 2


def test_a_known_epreuve_is_updated_without_erasing(manager):
    session = factories.ExamSessionFactory()
    _exams(EXAMS, manager, session)
    report = _exams(
        "examen;epreuve;intitule;minutes_candidat;taux_oral\nBACGEN;GO;;25;2\n",
        manager,
        session,
    )
    assert (report.updated, report.unchanged, report.errors) == (2, 0, [])
    oral = Epreuve.objects.get(code="GO")
    assert (oral.name, oral.minutes_per_candidate) == ("Grand oral", 25)
    assert oral.exam.hour_rate_level == "2"


def test_every_exam_error_is_given_and_nothing_is_written(manager):
    session = factories.ExamSessionFactory()
    factories.DisciplineFactory(code="MATHS")
    text = (
        "examen;nom_examen;nature;taux_copie;taux_oral;coef_vae;epreuve;intitule;"
        "discipline;nom_discipline;forme;facultative;minutes_candidat\n"
        "BAC;Bac;diplome;6;3;9;A;Titre;MATHS;;dessin;peut-être;0\n"
        "BAC;Autre nom;bac;;;;B;;INCONNUE;;;;\n"
        "BAC;;;;;;A;Titre;MATHS;;ecrit;;\n"
        "CAP;;;;;;;Intitulé seul;;;;;\n"
    )
    report = _exams(text, manager, session)
    assert report.errors == [
        "Ligne 2 : coef_vae « 9 » : un nombre de 0,5 à 3 est attendu ; taux_copie "
        "« 6 » : un taux de 1 à 5 est attendu ; minutes_candidat « 0 » : un nombre "
        "de 1 à 600 est attendu ; facultative « peut-être » : oui ou non attendu ; "
        "forme « dessin » inconnu (attendu : ecrit, oral, pratique).",
        "Ligne 3 : nature « bac » inconnu (attendu : diplome, concours) ; nom_examen "
        "différent de la ligne 2 pour l'examen BAC ; discipline « INCONNUE » inconnue "
        "(donnez nom_discipline pour la créer) ; intitule manquant pour une nouvelle "
        "épreuve ; forme manquante pour une nouvelle épreuve.",
        "Ligne 4 : épreuve déjà à la ligne 2.",
        "Ligne 5 : intitule sans code d'épreuve.",
    ]
    assert not Exam.objects.exists()
    # Rows right one by one, an exam wrong as a whole: at its first line.
    report = _exams(
        "examen;nom_examen;epreuve\nBAC;;\nBAC;;\nCAP;Cap;\n", manager, session
    )
    assert report.errors == [
        "Ligne 2 : nom_examen manquant pour le nouvel examen BAC ; le diplôme BAC a "
        "un taux_copie et un taux_oral.",
        "Ligne 4 : le diplôme CAP a un taux_copie et un taux_oral.",
    ]
    assert not Exam.objects.exists() and not Discipline.objects.filter(code="X")


def test_an_exam_file_from_a_spreadsheet_is_read(manager):
    session = factories.ExamSessionFactory()
    book = openpyxl.Workbook()
    for line in EXAMS.strip().split("\n"):
        book.active.append(
            [int(c) if c.isdigit() else (c or None) for c in line.split(";")]
        )
    out = io.BytesIO()
    book.save(out)
    report = _exams(out.getvalue(), manager, session, file_name="examens.xlsx")
    assert (report.errors, report.created) == ([], 8)
    assert Epreuve.objects.get(code="GO").minutes_per_candidate == 20
