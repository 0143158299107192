"""The counts recorded by the on-screen marking platform: imported from a CSV
file all or nothing (`claims.upstream`), compared with each claim's
declaration on the review page and in the queue's « Comptage de la
plateforme » filter."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import ClaimStatus, UpstreamCount
from claims.upstream import AUDIT_ACTION, upstream_counts_import
from imagin.audit import AuditEvent
from tests import factories
from tests.claims.review_helpers import claim_in

pytestmark = pytest.mark.django_db

IMPORT = "admin:claims_upstreamcount_import"
QUEUE = "admin:claims_claim_changelist"


@pytest.fixture
def epreuve(db):
    return factories.EpreuveFactory(code="PHILO")


@pytest.fixture
def session(epreuve):
    return epreuve.exam.session


@pytest.fixture
def people(participant, external_participant):
    participant.participant_number = "A0001234"
    participant.save(update_fields=["participant_number"])
    return participant, external_participant


def _import(session, text: str | bytes, manager, name="plateforme.csv"):
    content = text.encode("utf-8") if isinstance(text, str) else text
    return upstream_counts_import(
        session=session, content=content, file_name=name, by=manager
    )


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


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


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


# ------------------------------------------------- comparing with the claims


@pytest.fixture
def three_claims(session, epreuve, people, manager):
    """Declared 40 copies each: recorded 40, recorded 41, nothing recorded."""
    agent, external = people
    third = factories.UserFactory(participant_number="A0009999")
    claims = [
        claim_in(
            ClaimStatus.SUBMITTED, who, manager, exam=epreuve.exam, epreuve=epreuve
        )
        for who in (agent, external, third)
    ]
    _import(
        session,
        "numero_intervenant;epreuve;copies\n"
        f"A0001234;PHILO;40\n{external.participant_number};PHILO;41\n",
        manager,
    )
    return claims


def _listed(client, **query) -> set[int]:
    response = client.get(reverse(QUEUE), query)
    assert response.status_code == 200
    return {claim.pk for claim in response.context["cl"].result_list}


def test_the_queue_filter_sorts_conforme_different_absent(manager_client, three_claims):
    agrees, differs, absent = three_claims
    assert _listed(manager_client, comptage="conforme") == {agrees.pk}
    assert _listed(manager_client, comptage="different") == {differs.pk}
    assert _listed(manager_client, comptage="absent") == {absent.pk}
    assert _listed(manager_client) == {c.pk for c in three_claims}


def test_a_count_per_mission_and_candidates_are_compared_too(
    manager_client, three_claims, session, manager
):
    agrees = three_claims[0]
    # A mission's count adds to its épreuve's: both must agree.
    _import(
        session,
        "numero_intervenant;mission;copies;candidats\n"
        f"A0001234;{agrees.assignment.mission_id};40;3\n",
        manager,
    )
    assert _listed(manager_client, comptage="different") == {
        agrees.pk,
        three_claims[1].pk,
    }


def test_the_review_page_shows_declared_and_recorded(manager_client, three_claims):
    agrees, differs, absent = three_claims
    page = manager_client.get(reverse("admin:claims_claim_change", args=[differs.pk]))
    text = page.content.decode()
    assert "Comptage de la plateforme" in text
    assert "Relevé par la plateforme" in text
    assert "<td>40</td><td>41" in text
    assert "<strong>différent</strong>" in text
    same = manager_client.get(reverse("admin:claims_claim_change", args=[agrees.pk]))
    assert "<td>conforme</td>" in same.content.decode()
    none = manager_client.get(reverse("admin:claims_claim_change", args=[absent.pk]))
    assert "Aucun comptage importé de la plateforme" in none.content.decode()


def test_the_participant_does_not_see_the_platform_counts(client, three_claims, people):
    client.force_login(people[0])
    page = client.get(reverse("claims:detail", args=[three_claims[0].pk]))
    assert page.status_code == 200
    assert "plateforme" not in page.content.decode()


def _queries(client, **query) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(QUEUE), query).status_code == 200
    return len(captured)


@pytest.mark.parametrize("value", ["conforme", "different", "absent"])
def test_the_filtered_queue_costs_the_same_queries_for_1_or_6_claims(
    manager_client, session, epreuve, manager, value
):
    def grow(count: int) -> None:
        for _n in range(count):
            who = factories.ExternalParticipantFactory()
            claim_in(
                ClaimStatus.SUBMITTED, who, manager, exam=epreuve.exam, epreuve=epreuve
            )
            copies = {"conforme": 40, "different": 39}.get(value)
            if copies is not None:
                _import(
                    session,
                    f"numero_intervenant;epreuve;copies\n{who.participant_number};PHILO;{copies}\n",
                    manager,
                )

    grow(1)
    _queries(manager_client, comptage=value)  # caches warmed
    one = _queries(manager_client, comptage=value)
    grow(5)
    assert len(_listed(manager_client, comptage=value)) == 6
    assert _queries(manager_client, comptage=value) == one


def test_the_division_validates_all_the_agreeing_claims_at_once(
    manager_client, three_claims, django_capture_on_commit_callbacks
):
    agrees, differs, absent = three_claims
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse(QUEUE) + "?comptage=conforme",
            {
                "action": "approve_selected",
                "select_across": "1",
                "_selected_action": [agrees.pk],
            },
        )
    assert response.status_code in (200, 302)
    for claim, status in (
        (agrees, ClaimStatus.APPROVED),
        (differs, ClaimStatus.SUBMITTED),
        (absent, ClaimStatus.SUBMITTED),
    ):
        claim.refresh_from_db()
        assert claim.status == status


def test_the_list_of_counts_costs_the_same_queries_for_1_or_6_rows(
    manager_client, session, epreuve, manager
):
    listing = reverse("admin:claims_upstreamcount_changelist")
    mission = factories.MissionFactory(exam=epreuve.exam, epreuve=epreuve)

    def grow(count: int) -> None:
        people = [factories.ExternalParticipantFactory() for _n in range(count)]
        rows = "".join(f"{p.participant_number};PHILO;3\n" for p in people)
        _import(session, "numero_intervenant;epreuve;copies\n" + rows, manager)
        rows = "".join(f"{p.participant_number};{mission.pk};3\n" for p in people)
        _import(session, "numero_intervenant;mission;copies\n" + rows, manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(listing).status_code == 200
        return len(captured)

    grow(1)
    queries()  # caches warmed
    one = queries()
    grow(5)
    page = manager_client.get(listing)
    assert len(page.context["cl"].result_list) == 12
    assert f"mission n° {mission.pk}" in page.content.decode()
    assert queries() == one


def test_the_list_of_counts_by_session(
    manager_client, session, epreuve, people, manager
):
    mission = factories.MissionFactory(exam=epreuve.exam, epreuve=epreuve)
    _import(session, "numero_intervenant;epreuve;copies\nA0001234;PHILO;3\n", manager)
    _import(
        session,
        f"numero_intervenant;mission;copies\nA0001234;{mission.pk};3\n",
        manager,
    )
    other = factories.ExamSessionFactory()
    listing = reverse("admin:claims_upstreamcount_changelist")
    for value, rows in ((session.pk, 2), (other.pk, 0), ("x' OR 1=1", 2)):
        page = manager_client.get(listing, {"session": value})
        assert page.status_code in (200, 302)
        if page.status_code == 200:
            assert len(page.context["cl"].result_list) == rows


def test_the_queue_leads_to_the_import_of_the_counts(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:claims_claim_changelist"))
    assert response.status_code == 200
    assert reverse("admin:claims_upstreamcount_import") in response.content.decode()
