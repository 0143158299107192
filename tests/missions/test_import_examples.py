"""Every example README.md quotes (`missions.import_examples`) imports into the
demo académie, in the order a deployment imports its files, and a second
import of each changes nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.imports import communes_import, establishments_import
from accounts.models import Commune, User
from missions.exam_imports import exams_import
from missions.import_examples import EXAMPLES
from missions.imports import missions_import
from missions.models import Competence, Epreuve, ExamSession
from missions.participant_imports import participants_import
from missions.reference_imports import centres_import

pytestmark = pytest.mark.django_db


def _run(kind: str, *, by, session):
    content = EXAMPLES[kind].encode()
    if kind == "communes":
        return communes_import(content=content, file_name="communes.csv", by=by)
    if kind == "etablissements":
        return establishments_import(content=content, file_name="e.csv", by=by)
    if kind == "centres":
        return centres_import(content=content, file_name="centres.csv", by=by)
    if kind == "examens":
        return exams_import(content=content, by=by, session=session)
    return participants_import(content=content, by=by, session=session)


@pytest.fixture
def demo():
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    return (
        User.objects.get(username="gestionnaire"),
        ExamSession.objects.get(name="Session 2027"),
    )


def test_each_readme_example_imports_into_the_demo_then_changes_nothing(demo):
    manager, session = demo
    for kind in ("communes", "etablissements", "centres", "examens", "intervenants"):
        report = _run(kind, by=manager, session=session)
        assert report.errors == [], kind
        assert report.created + report.updated > 0, kind
        again = _run(kind, by=manager, session=session)
        assert again.errors == [], kind
        assert (again.created, again.updated) == (0, 0), kind
        assert again.unchanged > 0, kind
    rouen = Commune.objects.get(insee_code="76540")
    assert set(rouen.neighbours.values_list("insee_code", flat=True)) == {
        "76451",
        "76108",
    }
    assert Epreuve.objects.get(exam__session=session, code="HIST-GEO").discipline.code
    marie = User.objects.get(email="marie.lefebvre@academie-demo.invalid")
    assert marie.participant_number == "A0001234"
    assert not marie.has_usable_password()
    assert Competence.objects.filter(participant=marie).count() == 1
    jean = User.objects.get(email="jean.petit@exemple.invalid")
    assert jean.kind == User.Kind.EXTERNAL
    assert jean.username == jean.participant_number
    assert (jean.load_limit, jean.corps_category) == (3, "B")


def test_the_missions_example_names_what_the_demo_has(demo):
    manager, session = demo
    result = missions_import(
        session=session, content=EXAMPLES["missions"].encode(), by=manager
    )
    assert result.errors == []
    assert result.created == 1


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_the_readme_quotes_each_example_verbatim(kind):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"```\n{EXAMPLES[kind]}```\n" in readme
