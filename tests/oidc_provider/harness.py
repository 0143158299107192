"""Start the local OpenID Connect provider (provider.mjs) from Python tests.

Standard library only, so that importing it costs nothing when Node is absent.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

PROVIDER_DIR = Path(__file__).resolve().parent
CLIENT_ID = "imagin"
CLIENT_SECRET = "imagin-secret"
READY_TIMEOUT = 30.0


def node_available() -> bool:
    """Whether node and npm, needed to run the provider, are on the PATH."""
    return shutil.which("node") is not None and shutil.which("npm") is not None


def ensure_node_modules() -> None:
    """Install the provider's locked dependencies if they are missing."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    command = ["npm", "ci", "--prefix", str(PROVIDER_DIR), "--no-audit", "--no-fund"]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode:
        raise ProviderError(
            f"{' '.join(command)} failed with code {result.returncode}:\n"
            f"{result.stdout}{result.stderr}"
        )


class ProviderError(RuntimeError):
    """The provider could not be installed or started."""


class _Drain(threading.Thread):
    """Read a pipe to its end, so the provider never blocks writing to it."""

    def __init__(self, stream) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.issuer: str | None = None

    def run(self) -> None:
        for line in self.stream:
            self.lines.append(line)
            if self.issuer is None and line.startswith("READY "):
                self.issuer = line.split(" ", 1)[1].strip()
                self.ready.set()
        self.ready.set()  # end of output: the provider has exited

    def text(self) -> str:
        return "".join(self.lines)


@contextlib.contextmanager
def run_oidc_provider(
    *,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str],
    users: list[dict],
    proconnect: bool = False,
) -> Iterator[str]:
    """Run the provider on a free port of 127.0.0.1 and yield its issuer URL.

    The single client is ``imagin`` / ``imagin-secret``. Each user dict holds
    its claims (``sub``, ``email``...) plus the ``login`` and ``password`` the
    provider's login form accepts.
    """
    ensure_node_modules()
    env = {
        **os.environ,
        "OIDC_PORT": "0",  # the provider picks a free port and reports it
        "OIDC_REDIRECT_URIS": ",".join(redirect_uris),
        "OIDC_POST_LOGOUT_REDIRECT_URIS": ",".join(post_logout_redirect_uris),
        "OIDC_USERS": json.dumps(users),
        "OIDC_PROCONNECT": "1" if proconnect else "0",
        "OIDC_EXIT_WITH_STDIN": "1",
        "NO_COLOR": "1",
    }
    process = subprocess.Popen(
        ["node", str(PROVIDER_DIR / "provider.mjs")],
        cwd=PROVIDER_DIR,
        env=env,
        # An open pipe the provider watches: it exits if we die without
        # terminating it.
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = _Drain(process.stdout), _Drain(process.stderr)
    stdout.start()
    stderr.start()
    try:
        stdout.ready.wait(READY_TIMEOUT)
        if stdout.issuer is None:
            process.kill()
            process.wait(5)
            stderr.join(5)
            state = (
                f"exited with code {process.returncode}"
                if process.returncode is not None
                else f"did not print READY within {READY_TIMEOUT:.0f} s"
            )
            raise ProviderError(
                f"the OIDC test provider {state}.\n"
                f"--- stdout ---\n{stdout.text()}--- stderr ---\n{stderr.text()}"
            )
        yield stdout.issuer
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if process.stdin:
            process.stdin.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # let each 3xx surface, so the caller sees every hop


class Browser:
    """Just enough of a browser for the provider: cookies, forms, one request
    at a time, redirects left to the caller."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )

    def request(self, url, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()


def form_action(html: str) -> str:
    return re.search(r'<form[^>]*action="([^"]+)"', html).group(1)


def authorize(url: str, *, login: str, password: str, redirect_prefix: str) -> str:
    """Follow an authorization request through the provider, signing in as
    `login` on its form, and return the URL it sends the browser back to
    (the first one starting with `redirect_prefix`), with its code and state.
    """
    browser, data = Browser(), None
    for _hop in range(10):
        status, headers, html = browser.request(url, data)
        if status in (302, 303):
            url, data = urllib.parse.urljoin(url, headers["Location"]), None
            if url.startswith(redirect_prefix):
                return url
        elif status == 200 and data is None:
            url = urllib.parse.urljoin(url, form_action(html))
            data = {"login": login, "password": password}
        else:
            raise ProviderError(f"unexpected answer {status} from {url}:\n{html}")
    raise ProviderError("the provider never redirected to the relying party")
