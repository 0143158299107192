"""Named personas and shared fixtures."""

from __future__ import annotations

import pytest

from claims.models import Claim
from claims.rate_book import forget_shared_tables
from claims.services import convocation_issue
from tests import factories


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that commit for real last, the browser journeys at the end.

    Such a test empties every table when it ends, including the rate tables
    the migrations load: the tests that read those without a database
    fixture of their own must run before. Each of them gets that data back
    before it starts (serialized rollback), so a journey can price a claim.
    The browser journeys are the slowest, and Playwright's event loop, once
    started, gives the tests after it connections of their own that the final
    database teardown does not see.
    """
    for item in items:
        if _is_transactional(item):
            item.add_marker(
                pytest.mark.django_db(transaction=True, serialized_rollback=True),
                append=False,
            )

    def order(item: pytest.Item) -> int:
        if item.get_closest_marker("e2e") is not None:
            return 2
        return 1 if _is_transactional(item) else 0

    items.sort(key=order)


@pytest.fixture(autouse=True)
def rate_tables_not_kept_from_an_earlier_test():
    """Each test starts as a process that has not read the rate tables yet.

    The process keeps them between requests (claims.rate_book): without this,
    a test's first page would cost two queries fewer when an earlier test had
    read them, and query counts would depend on the order the tests run in.
    A stale copy cannot leak from one test to the next either way: the
    version it is checked against rolls back with the test's transaction.
    """
    forget_shared_tables()


@pytest.fixture
def participant(db):
    """A teacher of the académie (agent), signing in through the académie."""
    return factories.UserFactory(first_name="Paul", last_name="Durand")


@pytest.fixture
def external_participant(db):
    """An external participant, signing in with their participant number."""
    return factories.ExternalParticipantFactory(
        first_name="Sophie", last_name="Bernard"
    )


@pytest.fixture
def manager(db):
    """A manager of the exam division, with the back-office."""
    return factories.ManagerFactory(first_name="Claire", last_name="Martin")


@pytest.fixture
def outsider(db):
    """Someone signed in with no role and nothing assigned."""
    return factories.UserFactory(first_name="Olivier", last_name="Dehors")


@pytest.fixture
def convoked_claim(participant, manager) -> Claim:
    """The participant convoked to a mission that is over: its claim is open."""
    assignment = factories.AssignmentFactory(participant=participant)
    return convocation_issue(assignment=assignment, by=manager)


@pytest.fixture(autouse=True)
def private_files_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def french_after_each_test():
    """A request in English leaves English active in the thread (as on a
    server, where the next request sets its own): each test starts in French."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs a third of a second per password; tests check logic.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def close_connection_pools(django_db_setup, django_db_blocker):
    """Close psycopg's pools before the test database is dropped.

    Pooled connections outlive each test; left open, they stop PostgreSQL from
    dropping the test database at the end of the run.
    """
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all(initialized_only=True):
            close_pool = getattr(connection, "close_pool", None)
            if close_pool is not None:
                close_pool()
