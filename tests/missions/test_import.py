"""Importing missions from a CSV file: all or nothing, errors by line."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imagin.audit import AuditEvent
from missions.imports import missions_import
from missions.models import Mission
from tests import factories

HEADER = "examen;epreuve;type;centre;debut;fin;volume;besoin\n"


@pytest.fixture
def setting(db):
    session = factories.ExamSessionFactory(name="Session 2027")
    exam = factories.ExamFactory(session=session, code="BACGEN")
    factories.EpreuveFactory(exam=exam, code="PHILO")
    factories.MissionTypeFactory(code="CORRECTION")
    factories.CentreFactory(code="LYC-CORNEILLE")
    return session


GOOD = "BACGEN;PHILO;CORRECTION;LYC-CORNEILLE;15/06/2027 08:00;15/06/2027 12:00;120;2\n"


def test_a_good_file_creates_every_mission(setting, manager):
    content = (
        HEADER
        + GOOD
        + "BACGEN;;CORRECTION;LYC-CORNEILLE;16/06/2027 14:00;16/06/2027 18:00;;\n"
    ).encode()
    result = missions_import(session=setting, content=content, by=manager)
    assert (result.created, result.errors) == (2, [])
    first, second = Mission.objects.order_by("starts_at")
    assert (first.planned_volume, first.staffing_need, first.epreuve.code) == (
        120,
        2,
        "PHILO",
    )
    assert (second.planned_volume, second.staffing_need, second.epreuve) == (
        None,
        1,
        None,
    )
    assert AuditEvent.objects.filter(
        action="missions.missions.imported"
    ).get().data == {"created": 2}


def test_excel_windows_encoding_and_commas_are_read(setting, manager):
    content = (HEADER + GOOD).replace(";", ",").encode("cp1252")
    assert missions_import(session=setting, content=content, by=manager).created == 1


def test_a_file_imported_twice_creates_its_missions_once(setting, manager):
    content = (HEADER + GOOD).encode()
    assert missions_import(session=setting, content=content, by=manager).created == 1
    again = missions_import(session=setting, content=content, by=manager)
    assert again.created == 0
    assert again.errors == [
        "Ligne 2 : cette mission est déjà dans la session ; pour plusieurs "
        "intervenants, utilisez « besoin »."
    ]
    twice = missions_import(
        session=setting,
        content=(HEADER + GOOD.replace("15/06", "17/06") * 2).encode(),
        by=manager,
    )
    assert twice.created == 0
    assert twice.errors[0].startswith("Ligne 3 : même mission qu'à la ligne 2")
    assert Mission.objects.count() == 1


def test_one_bad_row_writes_nothing_and_every_error_has_its_line(setting, manager):
    content = (
        HEADER
        + GOOD
        + "BTS;PHILO;CORRECTION;LYC-CORNEILLE;15/06/2027 08:00;15/06/2027 12:00;1;1\n"
        + "BACGEN;XX;NOPE;NOWHERE;demain;15/06/2027 12:00;-3;0\n"
        + "BACGEN;PHILO;CORRECTION;LYC-CORNEILLE;"
        + "15/06/2027 12:00;15/06/2027 08:00;1;1\n"
        + "BACGEN;PHILO\n"
    ).encode()
    result = missions_import(session=setting, content=content, by=manager)
    assert result.created == 0
    assert not Mission.objects.exists()
    errors = result.errors
    assert errors[0].startswith(
        "Ligne 3 : examen « BTS » inconnu dans la session Session 2027"
    )
    assert errors[1].startswith("Ligne 4 : ")
    for expected in (
        "épreuve « XX »",
        "type de mission « NOPE »",
        "centre « NOWHERE »",
        "début « demain »",
        "volume « -3 »",
        "besoin « 0 »",
    ):
        assert expected in errors[1]
    assert errors[2] == "Ligne 5 : la fin doit être postérieure au début."
    assert errors[3] == "Ligne 6 : 2 colonnes au lieu de 8."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "vide"),
        (b"nom;date\nx;y\n", "Ligne 1 : l'en-tête"),
        (HEADER.encode(), "aucune mission"),
    ],
)
def test_files_without_missions_are_explained(setting, manager, content, message):
    result = missions_import(session=setting, content=content, by=manager)
    assert message in " ".join(result.errors)


def test_the_back_office_import_page(client, manager, setting):
    client.force_login(manager)
    url = "/gestion/missions/mission/importer/"
    assert client.get(url).status_code == 200
    bad = SimpleUploadedFile("m.csv", (HEADER + "X;;;;;;;\n").encode())
    response = client.post(url, {"session": setting.pk, "file": bad})
    assert response.status_code == 200
    assert "Aucune mission n'a été créée" in response.content.decode()
    good = SimpleUploadedFile("m.csv", (HEADER + GOOD).encode())
    response = client.post(url, {"session": setting.pk, "file": good}, follow=True)
    assert "1 mission importée" in response.content.decode()
    assert Mission.objects.count() == 1


def test_participants_cannot_import(client, participant):
    client.force_login(participant)
    assert client.get("/gestion/missions/mission/importer/").status_code in (302, 403)
