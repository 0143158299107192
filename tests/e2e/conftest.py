"""Browser journeys: Playwright drives Debian's Chromium against the live server.

Chromium comes from the system (`apt-get install chromium`), never from a
download. Without it the journeys are skipped, except in CI, where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make there (setting up data) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
# Flags for a root, headless, offline machine: no sandbox, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def migration_data(django_db_setup, django_db_blocker) -> str:
    """What the migrations loaded (rate tables, role groups), as serialized
    when the test database was created; read before Playwright starts."""
    from django.db import connection

    return getattr(connection, "_test_serialized_contents", "")


@pytest.fixture(scope="session")
def browser(migration_data) -> Iterator[object]:
    if not CHROMIUM:
        message = (
            "Chromium introuvable (apt-get install chromium) : "
            "tests navigateur ignorés."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def migrations_data_present(live_server, migration_data) -> None:
    """The migrations' data (rate tables, role groups) in the database.

    A test that committed for real (transaction=True) empties every table
    when it ends; the serialized rollback that should reload them does not
    reach the connection the test thread uses under Playwright's event loop,
    and the flush may have re-created content types and groups meanwhile.
    When the rate tables are missing, empty the tables and reload the data as
    the migrations wrote it."""
    from django.core.management import call_command
    from django.db import connection

    from claims.models import RateTable

    if migration_data and not RateTable.objects.exists():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        connection.creation.deserialize_db_from_string(migration_data)


@pytest.fixture
def page(browser, live_server, migrations_data_present) -> Iterator[object]:
    context = browser.new_context(locale="fr-FR", base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
    # Under Playwright the test's ORM calls may run on their own connection;
    # give it back so the pool can close before the test database is dropped.
    from django.db import connections

    connections.close_all()
