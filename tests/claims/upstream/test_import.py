"""The counts recorded by the on-screen marking platform, imported from a CSV
file all or nothing (`claims.upstream`): formats, errors by line, hostile
files, the import page and who may use it. Comparing them with the claims is
test_comparison.py."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models import UpstreamCount
from claims.upstream import AUDIT_ACTION
from imagin.audit import AuditEvent
from tests import factories
from tests.claims.upstream.helpers import upstream_import as _import

pytestmark = pytest.mark.django_db

IMPORT = "admin:claims_upstreamcount_import"
QUEUE = "admin:claims_claim_changelist"


def _counts():
    return sorted(
        UpstreamCount.objects.values_list(
            "participant__participant_number", "copies", "candidates"
        )
    )


# ------------------------------------------------------------------ import


def test_a_platform_file_is_imported(session, people, manager):
    agent, external = people
    text = (
        "\ufeffnumero_intervenant;epreuve;copies\r\n"
        f"{external.participant_number};PHILO;118\r\n"
        "A0001234;PHILO;95\r\n"
        "\r\n"
    )
    result = _import(session, text, manager)
    assert result.errors == []
    assert (result.created, result.replaced) == (2, 0)
    assert _counts() == [
        ("A0001234", 95, None),
        (external.participant_number, 118, None),
    ]
    stored = UpstreamCount.objects.get(participant=agent)
    assert stored.source_file == "plateforme.csv"
    assert stored.imported_by == manager
    assert stored.epreuve.code == "PHILO"


def test_commas_accented_headers_in_any_order_and_candidates(
    session, epreuve, people, manager
):
    mission = factories.MissionFactory(exam=epreuve.exam, epreuve=epreuve)
    text = f"Candidats,Mission,Numéro Intervenant\n12,{mission.pk},A0001234\n"
    result = _import(session, text, manager)
    assert result.errors == []
    stored = UpstreamCount.objects.get()
    assert (stored.mission, stored.epreuve, stored.candidates) == (mission, None, 12)


def test_windows_1252_as_excel_saves_it(session, people, manager):
    content = "numero_intervenant;épreuve;copies\nA0001234;PHILO;7\n".encode("cp1252")
    assert _import(session, content, manager).errors == []
    assert _counts() == [("A0001234", 7, None)]


def test_the_exam_column_chooses_between_two_epreuves_with_one_code(
    session, epreuve, people, manager
):
    other = factories.EpreuveFactory(
        code="PHILO", exam=factories.ExamFactory(session=session, code="BTS")
    )
    ambiguous = _import(
        session, "numero_intervenant;epreuve;copies\nA0001234;PHILO;3\n", manager
    )
    assert ambiguous.errors == [
        "Ligne 2 : plusieurs examens de la session ont une épreuve « PHILO » : "
        "ajoutez une colonne « examen »."
    ]
    text = "numero_intervenant;examen;epreuve;copies\nA0001234;BTS;PHILO;3\n"
    assert _import(session, text, manager).errors == []
    assert UpstreamCount.objects.get().epreuve == other


def test_a_reimport_replaces_the_counts_of_the_same_keys(session, people, manager):
    agent, external = people
    first = (
        "numero_intervenant;epreuve;copies\nA0001234;PHILO;95\n"
        f"{external.participant_number};PHILO;10\n"
    )
    _import(session, first, manager)
    result = _import(
        session, "numero_intervenant;epreuve;copies\nA0001234;PHILO;97\n", manager
    )
    assert (result.created, result.replaced) == (0, 1)
    assert _counts() == [
        ("A0001234", 97, None),
        (external.participant_number, 10, None),
    ]


def test_one_audit_event_per_import_with_its_counts(session, people, manager):
    _import(session, "numero_intervenant;epreuve;copies\nA0001234;PHILO;95\n", manager)
    _import(
        session,
        "numero_intervenant;epreuve;copies\nA0001234;PHILO;96\n",
        manager,
        "bis.csv",
    )
    events = list(AuditEvent.objects.filter(action=AUDIT_ACTION).order_by("pk"))
    assert [e.data for e in events] == [
        {"file": "plateforme.csv", "rows": 1, "created": 1, "replaced": 0},
        {"file": "bis.csv", "rows": 1, "created": 0, "replaced": 1},
    ]
    assert events[0].actor == manager
    assert events[0].target_id == session.pk


# ------------------------------------------------------------------ errors

HEADER = "numero_intervenant;epreuve;copies;candidats\n"
NUMBER = "un nombre entier de 0 à 100\u202f000 est attendu."


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("Z999;PHILO;3;", "Ligne 3 : intervenant n° « Z999 » inconnu."),
        (";PHILO;3;", "Ligne 3 : numéro d'intervenant manquant."),
        ("A0001234;MATHS;3;", "Ligne 3 : épreuve « MATHS » inconnue dans la session."),
        ("A0001234;;3;", "Ligne 3 : code d'épreuve manquant."),
        (
            "A0001234;PHILO;-3;",
            "Ligne 3 : copies « -3 » : " + NUMBER,
        ),
        (
            "A0001234;PHILO;;2,5",
            "Ligne 3 : candidats « 2,5 » : " + NUMBER,
        ),
        (
            "A0001234;PHILO;100001;",
            "Ligne 3 : copies « 100001 » : " + NUMBER,
        ),
        ("A0001234;PHILO;;", "Ligne 3 : ni copies ni candidats."),
        ("A0001234;PHILO;3", "Ligne 3 : 3 colonnes au lieu de 4."),
        (
            "A0001234;PHILO;4;",
            "Ligne 3 : même intervenant et même épreuve (ou mission) qu'à la ligne 2.",
        ),
        (
            "Z999;MATHS;x;",
            "Ligne 3 : intervenant n° « Z999 » inconnu ; épreuve « MATHS » inconnue "
            "dans la session ; copies « x » : " + NUMBER,
        ),
    ],
)
def test_each_wrong_line_is_named_and_nothing_is_imported(
    session, people, manager, line, error
):
    text = HEADER + "A0001234;PHILO;95;\n" + line + "\n"
    result = _import(session, text, manager)
    assert result.errors == [error]
    assert (result.created, result.replaced) == (0, 0)
    assert not UpstreamCount.objects.exists()
    assert not AuditEvent.objects.filter(action=AUDIT_ACTION).exists()


def test_a_wrong_line_keeps_the_earlier_counts(session, people, manager):
    _import(session, HEADER + "A0001234;PHILO;95;\n", manager)
    result = _import(session, HEADER + "A0001234;PHILO;96;\nZ1;PHILO;1;\n", manager)
    assert result.errors == ["Ligne 3 : intervenant n° « Z1 » inconnu."]
    assert _counts() == [("A0001234", 95, None)]


def test_a_mission_of_another_session_is_unknown(session, people, manager):
    elsewhere = factories.MissionFactory()
    text = (
        "numero_intervenant;mission;copies\n"
        f"A0001234;{elsewhere.pk};3\nA0001234;abc;3\n"
    )
    assert _import(session, text, manager).errors == [
        f"Ligne 2 : mission n° « {elsewhere.pk} » inconnue dans la session.",
        "Ligne 3 : mission n° « abc » inconnue dans la session.",
    ]


@pytest.mark.parametrize(
    ("header", "error"),
    [
        ("numero_intervenant;epreuve;volume", "Ligne 1 : colonne « volume » inconnue"),
        ("epreuve;copies", "Ligne 1 : la colonne « numero_intervenant » manque."),
        (
            "numero_intervenant;copies",
            "Ligne 1 : il faut une colonne « epreuve » ou « mission » (une seule).",
        ),
        (
            "numero_intervenant;epreuve;mission;copies",
            "Ligne 1 : il faut une colonne « epreuve » ou « mission » (une seule).",
        ),
        (
            "numero_intervenant;epreuve",
            "Ligne 1 : il faut une colonne « copies » ou « candidats ».",
        ),
        (
            "numero_intervenant;epreuve;copies;copies",
            "Ligne 1 : une colonne est en double.",
        ),
        (
            "numero_intervenant;mission;examen;copies",
            "Ligne 1 : la colonne « examen » ne va qu'avec « epreuve ».",
        ),
    ],
)
def test_a_wrong_header_is_explained(session, people, manager, header, error):
    result = _import(session, header + "\nA0001234;PHILO;3\n", manager)
    assert len(result.errors) == 1
    assert result.errors[0].startswith(error)


def test_empty_files(session, manager):
    assert _import(session, "", manager).errors == ["Le fichier est vide."]
    assert _import(session, HEADER + "\n\n", manager).errors == [
        "Le fichier ne contient aucun comptage."
    ]


def test_many_wrong_lines_are_summed_up(session, people, manager):
    text = HEADER + "".join(f"Z{n};PHILO;1;\n" for n in range(150))
    errors = _import(session, text, manager).errors
    assert len(errors) == 101
    assert errors[0].startswith("Ligne 2 : ")
    assert errors[-1] == "… et 50 autres lignes à corriger."


# ------------------------------------------------------------ hostile files


def _post(client, session, content: bytes, name="comptages.csv"):
    return client.post(
        reverse(IMPORT),
        {"session": session.pk, "file": SimpleUploadedFile(name, content, "text/csv")},
    )


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        (
            b"numero_intervenant;epreuve;copies\nA0001234;PHI\x00LO;3\n",
            "caractères nuls",
        ),
        (
            b"numero_intervenant;epreuve;copies\nA0001234;PHILO;" + b"9" * 5000 + b"\n",
            "un nombre entier de 0 à",
        ),
        (
            b"numero_intervenant;mission;copies\nA0001234;" + b"9" * 40 + b";1\n",
            "mission n° « 999999999999999999999999999999… » inconnue",
        ),
        (
            "numero_intervenant;epreuve;copies\nA0001234;PHILO;3\n".encode("utf-16"),
            "caractères nuls",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "caractères nuls"),
        (b"\xff\xfe\xfd;\xfc\n\x80;\x81\n", "Ligne 1 : colonne"),
        ("numero_intervenant;epreuve;copies\n\u202eA1;PHILO;3\n".encode(), "« ?A1 »"),
    ],
)
def test_hostile_files_get_a_french_answer(
    manager_client, session, people, content, shown
):
    response = _post(manager_client, session, content)
    assert response.status_code == 400
    assert shown in response.content.decode()
    assert "Aucun comptage n'a été enregistré" in response.content.decode()
    assert not UpstreamCount.objects.exists()


def test_the_import_page_and_its_result(manager_client, session, people):
    page = manager_client.get(reverse(IMPORT))
    assert page.status_code == 200
    assert "numero_intervenant;epreuve;copies" in page.content.decode()
    response = _post(
        manager_client,
        session,
        b"numero_intervenant;epreuve;copies\nA0001234;PHILO;3\n",
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "1 nouveau comptage enregistré" in text
    assert "?comptage=different" in text
    assert _counts() == [("A0001234", 3, None)]


def test_a_form_without_file_keeps_the_session(manager_client, session):
    response = manager_client.post(reverse(IMPORT), {"session": session.pk})
    assert response.status_code == 400
    assert f'value="{session.pk}" selected' in response.content.decode()


def test_the_example_file_can_be_imported(manager_client, session, people, manager):
    response = manager_client.get(reverse("admin:claims_upstreamcount_example"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    people[1].participant_number = "E2027001"
    people[1].username = "E2027001"
    people[1].save()
    assert _import(session, response.content, manager).errors == []


# ------------------------------------------------------------------ access


def test_only_the_division_imports(client, session):
    administrator = factories.AdministratorFactory()
    client.force_login(administrator)
    assert client.get(reverse(IMPORT)).status_code == 403
    content = b"numero_intervenant;epreuve;copies\n"
    assert _post(client, session, content).status_code == 403
    # Administrators read the list, without the import link.
    listing = client.get(reverse("admin:claims_upstreamcount_changelist"))
    assert listing.status_code == 200
    assert reverse(IMPORT) not in listing.content.decode()


def test_participants_are_sent_to_sign_in(client, participant):
    client.force_login(participant)
    response = client.get(reverse(IMPORT))
    assert response.status_code == 302
    assert not UpstreamCount.objects.exists()
