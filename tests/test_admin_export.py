"""Back-office lists exported as CSV and XLSX (imagin/admin_export.py): the
rows of the list as filtered, names intact, formulas neutralised, each
download audited, refused to those who cannot read the list, large lists
written in the background, at a fixed number of queries."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import ADMINISTRATOR
from claims.models import ClaimStatus
from imagin import admin_export
from imagin.admin_export import DOWNLOADED_ACTION, READY_ACTION
from imagin.audit import AuditEvent, audit_log
from tests import factories
from tests.claims.review_helpers import claim_in

pytestmark = pytest.mark.django_db
EXPORTS = (
    "admin:claims_claim_export",
    "admin:missions_mission_export",
    "admin:missions_assignment_export",
    "admin:accounts_user_export",
    "admin:imagin_auditevent_export",
)
FORMULA_START = ("=", "+", "-", "@")


@pytest.fixture(autouse=True)
def _files(private_files_in_a_temporary_folder, settings):
    settings.TRAVEL_ENABLED = False


@dataclass
class Académie:
    session: object
    other_session: object


@pytest.fixture
def academie(manager) -> Académie:
    """Three claims (two in one session, one in another) of two participants
    whose names a spreadsheet would run as formulas, and three audit events."""
    session = factories.ExamSessionFactory(name="Session d'été")
    other_session = factories.ExamSessionFactory(name="Session d'hiver")
    exam = factories.ExamFactory(session=session, name="+Examen d'été")
    elodie = factories.UserFactory(first_name="Élodie", last_name="=SOMME(A1)")
    jerome = factories.ExternalParticipantFactory(
        first_name="@Jérôme", last_name="Dupré"
    )
    claim_in(ClaimStatus.SUBMITTED, elodie, manager, exam=exam)
    claim_in(ClaimStatus.SUBMITTED, jerome, manager, exam=exam)
    claim_in(
        ClaimStatus.SUBMITTED,
        elodie,
        manager,
        exam=factories.ExamFactory(session=other_session),
    )
    for action in ("tests.export.exemple", "tests.export.exemple", "tests.autre"):
        audit_log(actor=jerome, action=action, target=elodie)
    return Académie(session, other_session)


@dataclass(frozen=True)
class ListCase:
    changelist: str
    query: str  # the filters in force, {session} for the session's id
    formula: str  # a cell as it must be written, neutralised
    accented: str


LISTS = {
    "claims": ListCase(
        "admin:claims_claim_changelist",
        "assignment__mission__exam__session__id__exact={session}",
        "'=SOMME(A1)",
        "Élodie",
    ),
    "missions": ListCase(
        "admin:missions_mission_changelist",
        "exam__session__id__exact={session}",
        "'+Examen d'été",
        "Élodie =SOMME(A1)",
    ),
    "assignments": ListCase(
        "admin:missions_assignment_changelist",
        "mission__exam__session__id__exact={session}",
        "'=SOMME(A1)",
        "Élodie",
    ),
    "participants": ListCase(
        "admin:accounts_user_changelist", "q=Dupr%C3%A9", "'@Jérôme", "Dupré"
    ),
    "audit": ListCase(
        "admin:imagin_auditevent_changelist",
        "action__exact=tests.export.exemple",
        "'@Jérôme Dupré",
        "Dupré",
    ),
}


def export_url(case: ListCase, fmt: str, query: str) -> str:
    name = case.changelist.removesuffix("_changelist") + "_export"
    return f"{reverse(name, args=[fmt])}?{query}"


def read_rows(response, fmt: str) -> list[list]:
    """The file's rows, header included, as the spreadsheet reads them."""
    content = b"".join(
        response.streaming_content if response.streaming else [response.content]
    )
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
        text = content.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text), delimiter=";"))
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("list_name", list(LISTS))
def test_each_list_exports_its_filtered_rows(client, manager, academie, list_name, fmt):
    case = LISTS[list_name]
    query = case.query.format(session=academie.session.pk)
    client.force_login(manager)
    listed = client.get(f"{reverse(case.changelist)}?{query}")
    changelist = listed.context["cl"]
    # The filter matters: it leaves out some of the list's rows.
    assert 0 < changelist.result_count < changelist.full_result_count
    # The list links to its exports, with its filters.
    assert export_url(case, fmt, query).replace("&", "&amp;") in listed.content.decode()

    response = client.get(export_url(case, fmt, query))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert f".{fmt}" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = read_rows(response, fmt)
    assert len(rows) - 1 == changelist.result_count
    cells = [cell for row in rows for cell in row if isinstance(cell, str)]
    assert case.formula in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_START)]
    assert any(case.accented in cell for cell in cells)
    event = AuditEvent.objects.get(action=DOWNLOADED_ACTION, actor=manager)
    assert event.data["rows"] == changelist.result_count
    assert event.data["format"] == fmt
    assert event.data["list"] == changelist.opts.label_lower
    assert "=".join(next(iter(event.data["filters"].items()))) in (
        query.replace("%C3%A9", "é")
    )
    # Who, which list, which filters, how many rows: never the rows.
    assert "Élodie" not in json.dumps(event.data, ensure_ascii=False)


def test_the_claims_export_has_the_amounts_and_statuses(client, manager, academie):
    client.force_login(manager)
    case = LISTS["claims"]
    query = case.query.format(session=academie.session.pk)
    header, *rows = read_rows(client.get(export_url(case, "xlsx", query)), "xlsx")
    amounts = [row[header.index("Montant")] for row in rows]
    assert all(isinstance(value, int | float) and value > 0 for value in amounts)
    assert {row[header.index("Statut")] for row in rows} == {"Validé par l'intervenant"}
    # In the CSV, the same amounts as French numbers: a decimal comma.
    header, *rows = read_rows(client.get(export_url(case, "csv", query)), "csv")
    texts = [row[header.index("Montant")] for row in rows]
    assert all(re.fullmatch(r"\d+(,\d+)?", text) for text in texts), texts
    assert sorted(float(text.replace(",", ".")) for text in texts) == sorted(amounts)


def test_a_pop_up_picker_offers_no_export(client, manager):
    client.force_login(manager)
    url = reverse("admin:accounts_user_changelist")
    assert "Exporter (CSV)" in client.get(url).content.decode()
    picker = client.get(f"{url}?_popup=1&_to_field=id")
    assert picker.status_code == 200
    assert "Exporter (CSV)" not in picker.content.decode()


def test_the_ordering_of_the_list_is_kept(client, manager, academie):
    client.force_login(manager)
    url = reverse("admin:accounts_user_export", args=["csv"])
    header, *rows = read_rows(client.get(f"{url}?o=-2"), "csv")  # last name, Z→A
    last_names = [row[header.index("Nom")] for row in rows]
    assert last_names == sorted(last_names, reverse=True)


def test_an_export_is_refused_to_whoever_cannot_read_the_list(
    client, participant, academie
):
    client.force_login(participant)
    for name in EXPORTS:
        response = client.get(reverse(name, args=["csv"]))
        assert response.status_code == 302 and "login" in response["Location"]
    # A back-office role without the right to read a list: neither the list
    # nor its export.
    administrator = factories.AdministratorFactory()
    Group.objects.get(name=ADMINISTRATOR).permissions.remove(
        Permission.objects.get(codename="view_auditevent")
    )
    client.force_login(administrator)
    assert client.get(reverse("admin:imagin_auditevent_changelist")).status_code == 403
    for fmt in ("csv", "xlsx"):
        url = reverse("admin:imagin_auditevent_export", args=[fmt])
        assert client.get(url).status_code == 403
    key = "0" * 32
    url = reverse("admin:imagin_auditevent_export_download", args=[key])
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action=DOWNLOADED_ACTION).exists()


def test_unknown_formats_and_filters_are_answered_clearly(client, manager, academie):
    client.force_login(manager)
    assert (
        client.get(reverse("admin:claims_claim_export", args=["pdf"])).status_code
        == 404
    )
    url = reverse("admin:claims_claim_export", args=["csv"])
    response = client.get(f"{url}?inexistant=1", follow=True)
    assert "rien n&#x27;a été exporté" in response.content.decode()
    assert not AuditEvent.objects.filter(action=DOWNLOADED_ACTION).exists()


def test_a_large_list_is_written_in_the_background(
    client, manager, academie, monkeypatch
):
    monkeypatch.setattr(admin_export, "EXPORT_INLINE_LIMIT", 1)
    client.force_login(manager)
    case = LISTS["assignments"]
    query = case.query.format(session=academie.session.pk)
    # Tasks run at once in tests: the report follows straight away.
    report = client.get(export_url(case, "xlsx", query))
    assert report.status_code == 200
    assert "data-progress-report-page" in report.content.decode()
    ready = AuditEvent.objects.get(action=READY_ACTION, actor=manager)
    assert ready.data["rows"] == 2 and ready.data["list"] == "missions.assignment"
    download_url = reverse(
        "admin:missions_assignment_export_download", args=[ready.data["key"]]
    )
    assert download_url in report.content.decode()

    other = factories.ManagerFactory()
    client.force_login(other)
    assert client.get(download_url).status_code == 404
    # Another list's download page does not hand this list's file.
    client.force_login(manager)
    elsewhere = reverse("admin:claims_claim_export_download", args=[ready.data["key"]])
    assert client.get(elsewhere).status_code == 404

    response = client.get(download_url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    rows = read_rows(response, "xlsx")
    assert len(rows) == 3 and case.formula in [cell for row in rows for cell in row]
    downloaded = AuditEvent.objects.get(action=DOWNLOADED_ACTION, actor=manager)
    assert downloaded.data["rows"] == 2
    # Nothing to follow with tasks run at once.
    progress = reverse(
        "admin:missions_assignment_export_progress",
        args=["00000000-0000-0000-0000-000000000000"],
    )
    assert client.get(progress).status_code == 404


# The worker opens its own connection: on PostgreSQL, not from inside the
# transaction a plain test runs in.
@pytest.mark.django_db(transaction=True)
def test_in_production_a_large_export_is_followed_then_downloaded(
    client, manager, academie, monkeypatch, settings
):
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(admin_export, "EXPORT_INLINE_LIMIT", 1)
    client.force_login(manager)
    case = LISTS["claims"]
    launched = client.get(
        export_url(case, "csv", case.query.format(session=academie.session.pk))
    )
    assert launched.status_code == 302
    progress_url = launched["Location"]
    waiting = client.get(progress_url)
    assert waiting.status_code == 200
    html = waiting.content.decode()
    assert "data-progress" in html and "imagin/progress.js" in html
    assert "Export (CSV) en attente du traitement en arrière-plan." in html
    assert f'href="{progress_url}">Actualiser' in html

    client.force_login(factories.ManagerFactory())
    assert client.get(progress_url).status_code == 404

    call_command("db_worker", batch=True, interval=0, verbosity=0)

    client.force_login(manager)
    done = client.get(progress_url)
    assert "data-progress-report-page" in done.content.decode()
    key = AuditEvent.objects.get(action=READY_ACTION).data["key"]
    response = client.get(reverse("admin:claims_claim_export_download", args=[key]))
    rows = read_rows(response, "csv")
    assert len(rows) == 3
    assert "'=SOMME(A1)" in [cell for row in rows for cell in row]


def _queries_of_an_export(client, url: str, fmt: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        rows = read_rows(client.get(url), fmt)
    assert len(rows) > 1
    return len(queries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_costs_the_same_queries_for_2_or_20_rows(client, manager, fmt):
    session = factories.ExamSessionFactory()
    client.force_login(manager)
    counts = []
    for wanted in (2, 20):
        exam = factories.ExamFactory(session=session)
        for _ in range(wanted):
            claim_in(ClaimStatus.SUBMITTED, factories.UserFactory(), manager, exam=exam)
        counted = []
        for name, query in (
            (
                "admin:claims_claim_export",
                f"assignment__mission__exam__id__exact={exam.pk}",
            ),
            ("admin:missions_mission_export", f"exam__id__exact={exam.pk}"),
            ("admin:missions_assignment_export", f"mission__exam__id__exact={exam.pk}"),
            ("admin:accounts_user_export", ""),
            ("admin:imagin_auditevent_export", ""),
        ):
            url = f"{reverse(name, args=[fmt])}?{query}"
            # Once to fill the caches (rate tables, content types), then counted.
            _queries_of_an_export(client, url, fmt)
            counted.append(_queries_of_an_export(client, url, fmt))
        counts.append(counted)
    assert counts[0] == counts[1]
