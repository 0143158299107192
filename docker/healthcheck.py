"""The image's HEALTHCHECK: exit 0 when this container's `/health/` answers 200.

The image has no curl, so this asks with the standard library, without Django
(a probe every 30 s must not load the whole site). `/health/` answers 503 when
the database, the migrations or the background worker fail, so a web
container is "unhealthy" while the worker is down too: that is on purpose,
the service is not whole.

The request names a host of ALLOWED_HOSTS, since Django refuses any other
(400), and says it came over HTTPS, which Django believes only with
BEHIND_TLS_PROXY=true: behind a proxy that terminates TLS, SECURE_SSL_REDIRECT
then does not send the probe away to https://.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 4


def probe_host(allowed_hosts: str) -> str:
    """The first concrete name of ALLOWED_HOSTS (a wildcard cannot be sent)."""
    for entry in allowed_hosts.split(","):
        name = entry.strip().lstrip(".")
        if name and "*" not in name:
            return name
    return "localhost"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect means the probe did not reach /health/: a failure, not a hop.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def main() -> int:
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/health/",
        headers={
            "Host": probe_host(os.environ.get("ALLOWED_HOSTS", "localhost")),
            "X-Forwarded-Proto": "https",
        },
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        print(f"/health/ answered {error.code}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"/health/ unreachable: {error}", file=sys.stderr)
        return 1
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
