"""Two web servers on a Redis cache (CACHE_URL=redis://...) act as one site:
sessions are read from Redis and removed from it at sign-out on either
instance, and failed sign-ins are counted together (tests/deploy/cluster.py
starts them, as tests/deploy/test_scale_out.py does on the database cache).
"""

from __future__ import annotations

import pytest
from django.conf import global_settings

from tests import factories
from tests.deploy.cluster import (
    REDIS_URL,
    SCALE_OUT_MARKS,
    Browser,
    a_session_opened_on_a_is_valid_on_b,
    failed_sign_ins_on_a_and_b_count_together,
)

pytestmark = SCALE_OUT_MARKS


def a_sign_out_on_b_ends_the_session_on_a(cluster, browser: Browser) -> None:
    home = browser.get(cluster.a, "/")
    assert "Bonjour Paul Durand." in home.text
    signed_out = browser.submit(cluster.b, "/comptes/logout/", {})
    assert signed_out.status == 302
    # A read its copy of the session from the cache: the sign-out on B removed
    # it there, not only from the database.
    again = browser.get(cluster.a, "/mes-etats-de-frais/")
    assert again.status == 302 and again.location.startswith("/comptes/login/")


@pytest.mark.parametrize("cache_url", [REDIS_URL])
def test_with_a_redis_cache_sessions_and_limits_are_shared(
    cluster, cache_url, settings
):
    import redis

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # as above
    paul = factories.UserFactory(first_name="Paul", last_name="Durand")
    browser = a_session_opened_on_a_is_valid_on_b(cluster, paul)
    # The session is read from Redis (cached_db), its row kept in the database.
    keys = redis.Redis.from_url(cache_url).keys("*sessions.cached_db*")
    assert keys, "no session in the Redis cache"
    a_sign_out_on_b_ends_the_session_on_a(cluster, browser)
    # The sign-out removed the session from Redis, not only from the database.
    assert not set(redis.Redis.from_url(cache_url).keys("*sessions.cached_db*")) & set(
        keys
    )
    failed_sign_ins_on_a_and_b_count_together(cluster, factories.UserFactory())
