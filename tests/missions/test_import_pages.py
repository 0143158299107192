"""The reference data's import pages (imagin/admin_import.py): who may use
them, what a good and a bad file do through the page, the example files, and
hostile files (never a server error, on PostgreSQL too)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.imports import COMMUNES as COMMUNES_KIND
from accounts.imports import ESTABLISHMENTS
from accounts.models import Commune
from accounts.roles import CENTRE_HEAD
from imagin.audit import AuditEvent
from missions.exam_imports import EXAMS
from missions.participant_imports import PARTICIPANTS
from missions.reference_imports import CENTRES
from tests import factories
from tests.hostile import assert_no_server_error

PAGES = [
    "accounts_commune",
    "accounts_establishment",
    "missions_centre",
    "missions_exam",
    "missions_competence",
]
COMMUNES = "code_insee;nom;code_postal;limitrophes\n76540;Rouen;76000;\n"


def _url(page: str, suffix: str = "import", *args) -> str:
    return reverse(f"admin:{page}_{suffix}", args=args)


@pytest.fixture
def centre_head(db):
    user = factories.UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=CENTRE_HEAD))
    return user


@pytest.mark.parametrize("page", PAGES)
def test_a_manager_opens_each_import_page_and_its_templates(client, manager, page):
    client.force_login(manager)
    response = client.get(_url(page))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Format du fichier" in content
    assert "Télécharger le modèle (XLSX)" in content
    csv_file = client.get(_url(page, "import_example", "csv"))
    assert csv_file.status_code == 200
    assert csv_file["Content-Type"].startswith("text/csv")
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    xlsx = client.get(_url(page, "import_example", "xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header[0] == csv_file.content.decode("utf-8-sig").split(";", 1)[0]
    assert client.get(_url(page, "import_example", "pdf")).status_code == 404
    listing = client.get(reverse(f"admin:{page}_changelist"))
    assert _url(page) in listing.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_participants_centre_heads_and_visitors_cannot_import(
    client, participant, centre_head, page
):
    for url in (_url(page), _url(page, "import_example", "csv")):
        assert client.get(url).status_code == 302  # to the sign-in page
        client.force_login(participant)
        assert client.get(url).status_code == 302
        client.force_login(centre_head)
        assert client.get(url).status_code == 302
        assert client.post(url, {}).status_code == 302
        client.logout()
    assert not AuditEvent.objects.filter(action__endswith=".imported").exists()


def test_only_the_exam_division_may_import(participant, centre_head, manager):
    kinds = [COMMUNES_KIND, ESTABLISHMENTS, CENTRES, EXAMS, PARTICIPANTS]
    administrator = factories.AdministratorFactory()
    for kind in kinds:
        assert kind.may_import(manager)
        assert kind.may_import(administrator)
        assert not kind.may_import(participant)
        assert not kind.may_import(centre_head)


def test_a_good_file_is_imported_and_the_list_says_what_changed(client, manager):
    client.force_login(manager)
    upload = SimpleUploadedFile("communes.csv", COMMUNES.encode())
    response = client.post(_url("accounts_commune"), {"file": upload}, follow=True)
    changelist = reverse("admin:accounts_commune_changelist")
    assert response.redirect_chain[-1][0] == changelist
    assert "1 créé(s), 0 modifié(s), 0 inchangé(s)" in response.content.decode()
    assert Commune.objects.get(insee_code="76540").name == "Rouen"


def test_a_bad_file_lists_its_errors_and_asks_for_the_file_again(client, manager):
    client.force_login(manager)
    upload = SimpleUploadedFile("communes.csv", (COMMUNES + "7613;X;;\n").encode())
    response = client.post(_url("accounts_commune"), {"file": upload})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Ligne 3 : code INSEE « 7613 » invalide" in content
    assert "choisissez-le de nouveau" in content
    assert not Commune.objects.filter(name="Rouen").exists()


def test_the_exam_page_asks_for_the_session(client, manager):
    client.force_login(manager)
    upload = SimpleUploadedFile("examens.csv", b"examen;epreuve\nBAC;\n")
    response = client.post(_url("missions_exam"), {"file": upload})
    assert response.status_code == 400
    assert "choisissez-le de nouveau" in response.content.decode()


def test_an_xlsx_file_is_imported_through_the_page(client, manager):
    book = openpyxl.Workbook()
    book.active.append(["code_insee", "nom", "code_postal"])
    book.active.append(["27229", "Évreux", 27000])
    out = io.BytesIO()
    book.save(out)
    client.force_login(manager)
    upload = SimpleUploadedFile("communes.xlsx", out.getvalue())
    response = client.post(_url("accounts_commune"), {"file": upload})
    assert response.status_code == 302
    assert Commune.objects.get(insee_code="27229").postal_code == "27000"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    content=st.one_of(
        st.binary(max_size=3000),
        st.binary(max_size=2000).map(lambda b: b"PK\x03\x04" + b),
        st.text(max_size=2000).map(lambda t: (COMMUNES + t).encode("utf-8")),
        st.sampled_from(
            [
                COMMUNES.encode() + b"76\x00451;Mont\x00;;\n",
                COMMUNES.encode() + b"76451;" + b"x" * 200_000 + b";;\n",
                b"\x00" * 1000,
                b'code_insee;nom\n"76451;unterminated\n',
            ]
        ),
    ),
    page=st.sampled_from(PAGES),
)
def test_hostile_files_are_never_a_server_error(client, manager, content, page):
    client.force_login(manager)
    session = factories.ExamSessionFactory()
    upload = SimpleUploadedFile("fichier.csv", content)
    response = client.post(_url(page), {"file": upload, "session": session.pk})
    assert_no_server_error(response)
    assert response.status_code in (302, 400)
