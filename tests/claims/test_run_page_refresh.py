"""The convocation run's page never reloads itself (RGAA 13.1): while the run
goes on, its status is a polite live region that progress.js refreshes, and
an "Actualiser" link does it by hand; once finished, the page says so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import ConvocationRun
from tests import factories
from tests.html_tree import parse


@pytest.fixture
def run(db, manager):
    return ConvocationRun.objects.create(
        kind=ConvocationRun.Kind.OFFICIAL,
        session=factories.ExamSessionFactory(),
        created_by=manager,
        status=ConvocationRun.Status.RUNNING,
        participants_total=4,
        participants_done=1,
    )


def _page(client, manager, run):
    client.force_login(manager)
    url = reverse("admin:claims_convocationrun_change", args=[run.pk])
    response = client.get(url)
    assert response.status_code == 200
    return url, parse(response)


def test_a_running_run_is_followed_without_reloading_the_page(client, manager, run):
    url, page = _page(client, manager, run)
    assert not page.find_all("meta", http_equiv="refresh")
    region = page.find(data_progress=True)
    assert region is not None and region.get("role") == "status"
    assert "1 intervenant(s) traité(s) sur 4" in region.text
    assert region.get("data-progress-done") and region.get("data-progress-report")
    scripts = [s.get("src") for s in page.find_all("script")]
    assert any(src.endswith("imagin/progress.js") for src in scripts), scripts
    refresh = [a for a in page.find_all("a") if a.text == "Actualiser"]
    assert [a.get("href") for a in refresh] == [url]


@pytest.mark.parametrize("status", ["done", "failed", "cancelled"])
def test_a_finished_run_says_so_for_the_script_to_stop(client, manager, run, status):
    ConvocationRun.objects.filter(pk=run.pk).update(status=status)
    run.refresh_from_db()
    _, page = _page(client, manager, run)
    assert not page.find_all("meta", http_equiv="refresh")
    assert not page.find_all(data_progress=True)
    assert page.find(data_progress_report_page=True) is not None
    assert not [a for a in page.find_all("a") if a.text == "Actualiser"]
