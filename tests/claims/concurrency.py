"""Running service calls at the same time, on real transactions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

# Row locks (SELECT ... FOR UPDATE) are PostgreSQL's; CI runs on it.
ROW_LOCKS = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="verrous de ligne : PostgreSQL"
)


def race(*calls):
    """Run the calls in threads started together; return each one's outcome."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is the point
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, call))
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
