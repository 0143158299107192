"""Settings of the server bench/peak.py starts: the project's own, with one
more page, a bare "hello" view (bench/peak_urls.py), measured behind the same
middleware as the participant pages. The project's settings take
ROOT_URLCONF from no environment variable, hence this module."""

from imagin.settings import *  # noqa: F403

ROOT_URLCONF = "peak_urls"
