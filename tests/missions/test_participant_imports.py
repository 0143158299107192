"""Importing participants with their competences: agents without a password,
external participants as the back-office creates them, found again by
number, address or username, every error by line, all or nothing, no e-mail."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from imagin.audit import AuditEvent
from missions.models import Competence
from missions.participant_imports import participants_import
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = (
    "email;nom;prenom;type;identifiant;numero_intervenant;etablissement;commune;"
    "telephone;categorie;limite_missions;competences\n"
)
ROWS = (
    "Paul.Durand@ac-demo.invalid;Durand;Paul;agent;;A001;0760090D;76540;"
    "02 35 00 00 00;;4;BAC/PHILO|GO\n"
    "jean.petit@exemple.invalid;Petit;Jean;exterieur;;;;76540;;B;;BAC/GO\n"
)


@pytest.fixture
def setting(db):
    rouen = factories.CommuneFactory(insee_code="76540")
    factories.EstablishmentFactory(uai="0760090D", commune=rouen)
    session = factories.ExamSessionFactory()
    bac = factories.ExamFactory(session=session, code="BAC")
    factories.EpreuveFactory(exam=bac, code="PHILO")
    factories.EpreuveFactory(exam=bac, code="GO")
    return session


def _import(text: str, by, session, encoding: str = "utf-8"):
    return participants_import(
        content=text.encode(encoding), file_name="p.csv", by=by, session=session
    )


def test_agents_and_external_participants_are_created_without_e_mail(
    setting, manager, mailoutbox
):
    report = _import(HEADER + ROWS, manager, setting)
    assert (report.errors, report.created) == ([], 2)
    paul = User.objects.get(username="paul.durand@ac-demo.invalid")
    assert (paul.kind, paul.participant_number, paul.load_limit) == ("agent", "A001", 4)
    assert (paul.establishment.uai, paul.commune.insee_code) == ("0760090D", "76540")
    assert not paul.has_usable_password()
    # The division entered the address: single sign-on may use it.
    assert EmailAddress.objects.get(user=paul).verified
    jean = User.objects.get(email="jean.petit@exemple.invalid")
    assert jean.kind == "external"
    assert jean.username == jean.participant_number and jean.participant_number
    assert (jean.corps_category, jean.must_change_password) == ("B", False)
    assert not jean.has_usable_password()
    assert set(
        Competence.objects.filter(participant=paul).values_list(
            "epreuve__code", flat=True
        )
    ) == {"PHILO", "GO"}
    assert mailoutbox == []
    event = AuditEvent.objects.get(action="missions.participants.imported")
    assert (event.target_id, event.data["competences"]) == (setting.pk, 3)


def test_a_participant_file_imported_twice_changes_nothing(setting, manager):
    _import(HEADER + ROWS, manager, setting)
    report = _import(HEADER + ROWS, manager, setting)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert Competence.objects.count() == 3
    assert User.objects.filter(email__iexact="paul.durand@ac-demo.invalid").count() == 1


def test_a_known_agent_is_updated_by_number_address_or_username(setting, manager):
    agent = factories.UserFactory(
        username="pdurand",
        email="paul.durand@ac-demo.invalid",
        phone="01",
        load_limit=2,
    )
    Competence.objects.create(
        participant=agent, epreuve=factories.EpreuveFactory(code="OLD")
    )
    report = _import(
        HEADER + "PAUL.DURAND@ac-demo.invalid;Durand;Paul;;;;;;;A1;;GO\n",
        manager,
        setting,
        encoding="cp1252",
    )
    assert (report.errors, report.updated) == ([], 1)
    agent.refresh_from_db()
    # Empty cells erase nothing; competences are added, never removed.
    assert (agent.phone, agent.load_limit, agent.corps_category) == ("01", 2, "A1")
    assert agent.competences.count() == 2
    report = _import(
        HEADER + "paul.durand@ac-demo.invalid;Durand;Paul;;;;;;;;;GO\n",
        manager,
        setting,
    )
    assert (report.updated, report.unchanged) == (0, 1)


def test_every_participant_error_is_given_and_nothing_is_written(setting, manager):
    factories.UserFactory(username="a", email="twin@x.invalid")
    factories.UserFactory(username="b", email="twin@x.invalid")
    factories.UserFactory(
        username="known", email="known@x.invalid", participant_number="K1"
    )
    staff = factories.ManagerFactory(email="boss@x.invalid")
    external = factories.ExternalParticipantFactory(email="ext@x.invalid")
    text = HEADER + (
        "new@x.invalid;Neuf;Nina;;;;;;;;;BAC/PHILO\n"
        "pas-une-adresse;Nom;Prénom;;;;;;;;;\n"
        "new@x.invalid;;Nina;robot;;;9999999Z;00000;;Z;0;NOPE|BAC/X\n"
        "twin@x.invalid;Twin;T;;;;;;;;;\n"
        "other@x.invalid;O;O;;;K1;;;;;;\n"
        f"{staff.email};Boss;B;;;;;;;;;\n"
        f"{external.email};E;E;agent;;;;;;;;\n"
        "fresh@x.invalid;F;F;exterieur;fresh;E2099001;;;;;;\n"
    )
    report = _import(text, manager, setting)
    assert report.errors == [
        "Ligne 3 : adresse électronique « pas-une-adresse » invalide.",
        "Ligne 4 : même personne qu'à la ligne 2 ; nom manquant ; type « robot » "
        "inconnu (agent ou exterieur) ; établissement « 9999999Z » inconnu ; "
        "commune « 00000 » inconnue ; catégorie « Z » inconnue (A1, A2, B ou C) ; "
        "limite_missions « 0 » : un nombre de 1 à 200 est attendu ; épreuve « NOPE "
        "» inconnue dans la session ; épreuve « BAC/X » inconnue dans la session.",
        "Ligne 5 : plusieurs comptes ont l'adresse twin@x.invalid.",
        "Ligne 6 : l'adresse d'un compte existant (known@x.invalid) ne change pas "
        "par import.",
        f"Ligne 7 : {staff.username} est un compte du back-office : modifiez-le "
        "dans sa fiche.",
        "Ligne 8 : le type d'intervenant d'un compte ne change pas par import.",
        "Ligne 9 : numéro d'intervenant « E2099001 » inconnu : IMAG'IN attribue le "
        "numéro d'un nouvel intervenant extérieur, laissez la case vide ; un "
        "intervenant extérieur se connecte avec son numéro : laissez identifiant "
        "vide.",
    ]
    assert not User.objects.filter(email="new@x.invalid").exists()
    assert not Competence.objects.exists()
    assert not AuditEvent.objects.filter(action="missions.participants.imported")


def test_an_address_another_account_verified_is_not_taken(setting, manager):
    owner = factories.UserFactory(email="owner@x.invalid")
    EmailAddress.objects.create(user=owner, email="shared@x.invalid", verified=True)
    report = _import(HEADER + "shared@x.invalid;S;S;;;;;;;;;\n", manager, setting)
    assert report.errors == [
        "Ligne 2 : l'adresse shared@x.invalid est déjà vérifiée par un autre compte."
    ]


def test_an_epreuve_code_two_exams_share_must_name_its_exam(setting, manager):
    factories.EpreuveFactory(exam__session=setting, exam__code="BTS", code="GO")
    report = _import(HEADER + "n@x.invalid;N;N;;;;;;;;;GO\n", manager, setting)
    assert report.errors == [
        "Ligne 2 : épreuve « GO » ambiguë : écrivez EXAMEN/EPREUVE."
    ]
    report = _import(HEADER + "n@x.invalid;N;N;;;;;;;;;BTS/GO\n", manager, setting)
    assert report.errors == []


POSTED_HEADER = "nom;prenom;type;numero_intervenant;adresse;competences\n"


def test_an_external_participant_without_e_mail_is_imported_with_an_address(
    setting, manager
):
    """No email column at all: the external participant is convoked by post."""
    text = POSTED_HEADER + "Petit;Jean;exterieur;;8  rue des Carmes,\t76000 Rouen;GO\n"
    report = _import(text, manager, setting)
    assert (report.errors, report.created) == ([], 1)
    jean = User.objects.get(last_name="Petit")
    assert (jean.kind, jean.email) == ("external", "")
    assert jean.address == "8 rue des Carmes, 76000 Rouen"
    assert jean.username == jean.participant_number
    # Imported again, found by name: nothing changes, nobody is added.
    report = _import(text, manager, setting)
    assert (report.errors, report.created, report.unchanged) == ([], 0, 1)
    # The name is compared without case nor spaces (and written as given).
    report = _import(text.replace("Petit;Jean", "PETIT ;  jean"), manager, setting)
    assert (report.errors, report.created, report.updated) == ([], 0, 1)
    assert User.objects.filter(kind="external").count() == 1
    _import(text, manager, setting)
    # By number, the address changes; an empty cell erases nothing.
    number = jean.participant_number
    report = _import(
        POSTED_HEADER + f"Petit;Jean;exterieur;{number};3 allée X 76100 Rouen;\n"
        f"Petit;Jean;;{number};;\n",
        manager,
        setting,
    )
    assert report.errors == ["Ligne 3 : même personne qu'à la ligne 2."]
    report = _import(
        POSTED_HEADER + f"Petit;Jean;;{number};3 allée X 76100 Rouen;\n",
        manager,
        setting,
    )
    assert (report.errors, report.updated) == ([], 1)
    jean.refresh_from_db()
    assert jean.address == "3 allée X 76100 Rouen"
    report = _import(POSTED_HEADER + f"Petit;Jean;;{number};;\n", manager, setting)
    assert (report.errors, report.unchanged) == ([], 1)
    jean.refresh_from_db()
    assert jean.address == "3 allée X 76100 Rouen"


def test_an_address_is_added_to_an_agent_and_never_erased(setting, manager):
    _import(HEADER + ROWS, manager, setting)
    header = "email;nom;prenom;adresse\n"
    report = _import(
        header + "paul.durand@ac-demo.invalid;Durand;Paul;1 rue A, 76000 Rouen\n",
        manager,
        setting,
    )
    assert (report.errors, report.updated) == ([], 1)
    report = _import(
        header + "paul.durand@ac-demo.invalid;Durand;Paul;\n", manager, setting
    )
    assert (report.errors, report.unchanged) == ([], 1)
    paul = User.objects.get(email="paul.durand@ac-demo.invalid")
    assert paul.address == "1 rue A, 76000 Rouen"


def test_posted_participants_rows_refused(setting, manager):
    two = [
        factories.ExternalParticipantFactory(
            first_name="Luc", last_name="Martin", email="", address=""
        )
        for _ in range(2)
    ]
    mailed = factories.ExternalParticipantFactory(
        first_name="Ève", last_name="Roux", email="eve@x.invalid"
    )
    lone = factories.ExternalParticipantFactory(
        first_name="Ana", last_name="Lima", email="", address="1 rue A, 76000 Rouen"
    )
    text = POSTED_HEADER + (
        "Durand;Paul;;;1 rue A, 76000 Rouen;\n"
        "Durand;Paul;agent;;;\n"
        "Neuf;Nino;exterieur;;;\n"
        "Martin;Luc;exterieur;;2 rue B, 76000 Rouen;\n"
        "Roux;Ève;exterieur;;2 rue B, 76000 Rouen;\n"
        "Lima;Ana;exterieur;;9 rue C, 76000 Rouen;\n"
        f"Neuf;Nina;exterieur;;{'x' * 251};\n"
        "Neuf;Noé;exterieur;;1 rue\x07 A, 76000 Rouen;\n"
        "Neuf;Nils;exterieur;;1 rue A, 76000 Rouen;\n"
        "neuf; nils ;exterieur;;1 rue A, 76000 Rouen;\n"
    )
    report = _import(text, manager, setting)
    agent = (
        "email manquant : un agent se connecte par son adresse électronique "
        "(laissez-la vide pour un intervenant extérieur convoqué par courrier, "
        "type exterieur)"
    )
    numbers = ", ".join(sorted(user.participant_number for user in two))
    assert report.errors == [
        f"Ligne 2 : {agent}.",
        f"Ligne 3 : {agent}.",
        "Ligne 4 : sans adresse électronique, un nouvel intervenant extérieur est "
        "convoqué par courrier : indiquez son adresse.",
        "Ligne 5 : plusieurs intervenants extérieurs sans adresse électronique "
        f"s'appellent ainsi (n° {numbers}) : indiquez numero_intervenant.",
        f"Ligne 6 : un intervenant extérieur du même nom (n° "
        f"{mailed.participant_number}) a une adresse électronique : indiquez son "
        "numéro ou son adresse, ou créez le nouvel intervenant dans le "
        "back-office.",
        f"Ligne 7 : un intervenant extérieur du même nom (n° "
        f"{lone.participant_number}) a une autre adresse : indiquez son numéro "
        "pour le mettre à jour, ou créez le nouvel intervenant dans le "
        "back-office.",
        "Ligne 8 : adresse : 250 caractères au plus.",
        "Ligne 9 : adresse : caractère invisible non autorisé.",
        "Ligne 11 : même personne qu'à la ligne 10.",
    ]
    assert User.objects.filter(kind="external").count() == 4
    lone.refresh_from_db()
    assert lone.address == "1 rue A, 76000 Rouen"
