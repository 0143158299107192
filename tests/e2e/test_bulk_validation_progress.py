"""A validation of many claims followed in the browser: the page never
reloads itself; its script updates the status, then links to the report."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from claims.services.bulk_review import approve_claims
from tests.claims.test_bulk_validation import TASK_PATH
from tests.claims.volume import many_claims
from tests.platform_helpers import DATABASE_TASKS, run_stored_task

pytestmark = pytest.mark.e2e


def test_the_progress_page_updates_itself_then_links_to_the_report(
    page, live_server, transactional_db, manager, settings
):
    from django_tasks_db.models import DBTaskResult
    from playwright.sync_api import expect

    settings.TASKS = DATABASE_TASKS
    ids = [claim.pk for claim in many_claims(60, manager)]
    result = approve_claims.enqueue(ids, manager.pk, "fr")
    client = Client()
    client.force_login(manager)
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"/gestion/claims/claim/validation/{result.id}/")
    status = page.get_by_role("status")
    expect(status).to_contain_text("en attente du traitement en arrière-plan")
    loads = []
    page.on("load", lambda _page: loads.append(1))

    run_stored_task(DBTaskResult.objects.get(task_path=TASK_PATH))

    expect(status).to_contain_text("La validation est terminée.", timeout=15_000)
    assert loads == []  # updated in place, never reloaded
    status.get_by_role("link", name="Voir le compte rendu").click()
    expect(page.get_by_role("status")).to_contain_text("états de frais validés")
