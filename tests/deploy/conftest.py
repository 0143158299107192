"""The scale-out tests' fixtures (`cluster`, `cache_url`), from
tests/deploy/cluster.py."""

from tests.deploy.cluster import cache_url, cluster  # noqa: F401 (fixtures)
