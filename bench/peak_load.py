"""The load generators of bench/peak.py: wrk (Debian's `wrk` package) with a
Lua script rotating the signed-in participants, or, without it, threads of
keep-alive `http.client` connections; and the crowd of participants each
listing, opening, saving and reloading their claim at once."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

# A target of the rate measurements: a path and the Cookie header to send.
Target = tuple[str, str]


@dataclass
class Rate:
    per_second: float
    requests: int
    errors: int
    note: str = ""


def rate(
    port: int,
    targets: list[Target],
    seconds: float,
    connections: int,
    generator: str = "auto",
) -> Rate:
    """Requests per second answered 200, over `seconds`, by wrk or Python's
    generator ("auto": wrk if installed)."""
    if generator == "wrk" or (generator == "auto" and shutil.which("wrk")):
        return wrk_rate(port, targets, seconds, connections)
    return python_rate(port, targets, seconds, connections)


WRK_SCRIPT = """
local targets = {%s}
local threads = {}
local next_offset = 0
function setup(thread)
  -- Each thread starts at another participant.
  thread:set("offset", next_offset)
  next_offset = next_offset + 7
  table.insert(threads, thread)
end
local n = nil
function request()
  n = (n or offset) + 1
  local target = targets[(n %% #targets) + 1]
  if target[2] == "" then
    return wrk.format("GET", target[1])
  end
  return wrk.format("GET", target[1], {["Cookie"] = target[2]})
end
-- wrk counts a redirect (to the sign-in page, say) as a success: counted
-- here instead, every answer but 200 is an error.
function response(status, headers, body)
  if status ~= 200 then
    not_ok = (not_ok or 0) + 1
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("not_ok") or 0)
  end
  io.write(string.format("Not 200: %%d\\n", total))
end
"""


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_rate(port: int, targets: list[Target], seconds: float, connections: int):
    entries = ", ".join(f"{{{_lua(path)}, {_lua(cookie)}}}" for path, cookie in targets)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % entries)
    try:
        # Two threads, as the machine has two cores; a long timeout so that a
        # slow page counts as slow, not as an error.
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}/",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(script.name).unlink()
    per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = int(re.search(r"Not 200: (\d+)", out).group(1))
    # The rate of pages answered, as the Python generator counts it.
    per_second *= (requests - errors) / requests if requests else 0
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    note = "wrk"
    if sockets:
        connect, read, write, timeout = map(int, sockets.groups())
        # gunicorn's sync workers close every connection after the response:
        # wrk may count the close as a read error though the answer arrived.
        errors += connect + write + timeout
        note += f" (socket: connect {connect}, read {read}, write {write}, "
        note += f"timeout {timeout})"
    return Rate(per_second, requests, errors, note)


def python_rate(port: int, targets: list[Target], seconds: float, connections: int):
    counts = [0] * connections
    errors = [0] * connections
    start = threading.Barrier(connections + 1)
    deadline = [0.0]

    def run(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = slot * 7
        start.wait()
        while time.monotonic() < deadline[0]:
            path, cookie = targets[n % len(targets)]
            n += 1
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[slot] += 1
                connection.close()
                continue
            if response.status == 200:
                counts[slot] += 1
            else:
                errors[slot] += 1
        connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    done = sum(counts)
    note = "Python generator"
    return Rate(done / elapsed, done + sum(errors), sum(errors), note)


# ------------------------------------------------------------------ crowd

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
# The number of copies the service step shows.
SHOWN = re.compile(r'name="copies_declared" value="(\d+)"')


@dataclass
class Participant:
    username: str
    claim_pk: int
    cookies: dict[str, str]
    # The last value the server acknowledged (a redirect after the save),
    # and the values sent since whose answer never came (they may have landed).
    acknowledged: int | None = None
    unanswered: list[int] = field(default_factory=list)


@dataclass
class Crowd:
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: dict[str, int] = field(default_factory=dict)
    loops: int = 0
    elapsed: float = 0.0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


class Browser:
    """One participant's keep-alive connection and cookie jar."""

    def __init__(self, port: int, who: Participant, crowd: Crowd, lock) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.who = who
        self.crowd = crowd
        self.lock = lock

    def send(self, method: str, path: str, body: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.who.cookies.items())}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        began = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            content = response.read().decode()
        except (OSError, http.client.HTTPException) as failure:
            self.connection.close()
            with self.lock:
                self.crowd.error(f"connection: {type(failure).__name__}")
            return None, ""
        with self.lock:
            self.crowd.latencies.append(time.perf_counter() - began)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in header.lower():
                self.who.cookies[name] = value
            else:
                self.who.cookies.pop(name, None)
        return response, content

    def expect(self, response, statuses: tuple[int, ...], what: str) -> bool:
        if response is None:
            return False
        if response.status not in statuses:
            with self.lock:
                self.crowd.error(f"{what}: HTTP {response.status}")
            return False
        return True


def crowd(port: int, people: list[Participant], seconds: float) -> Crowd:
    """Every participant at once, looping until `seconds` have passed (a loop
    begun is finished): the list, the service step, a save of a new number
    of copies ("Enregistrer"), the step again as the redirect asks."""
    result = Crowd()
    lock = threading.Lock()
    start = threading.Barrier(len(people) + 1)
    deadline = [0.0]
    list_path = "/mes-etats-de-frais/"

    def run(index: int, who: Participant) -> None:
        browser = Browser(port, who, result, lock)
        step = f"/mes-etats-de-frais/{who.claim_pk}/etape/service/"
        # Each save sends another value than the one before (index +
        # participants x loop, within MAX_COPIES): a save that did not land
        # leaves the previous value, told apart from the acknowledged one.
        value = index
        start.wait()
        while time.monotonic() < deadline[0]:
            with lock:
                result.loops += 1
            response, _ = browser.send("GET", list_path)
            if not browser.expect(response, (200,), "list"):
                continue
            response, page = browser.send("GET", step)
            if not browser.expect(response, (200,), "step"):
                continue
            token, version = CSRF.search(page), VERSION.search(page)
            if not token or not version:
                with lock:
                    result.error("step: no form")
                continue
            value += len(people)
            sent = 1 + value % 1999
            who.unanswered.append(sent)
            response, _ = browser.send(
                "POST",
                step,
                {
                    "csrfmiddlewaretoken": token.group(1),
                    "version": version.group(1),
                    "action": "enregistrer",
                    "copies_declared": str(sent),
                },
            )
            # Unanswered or refused, it stays among the values that may have
            # landed.
            if not browser.expect(response, (302,), "save"):
                continue
            who.acknowledged = sent
            who.unanswered.clear()
            location = response.headers.get("Location", step)
            response, page = browser.send("GET", location)
            if browser.expect(response, (200,), "reload"):
                shown = SHOWN.search(page)
                if not shown or shown.group(1) != str(sent):
                    with lock:
                        result.error("reload: not the value saved")
        browser.connection.close()

    threads = [
        threading.Thread(target=run, args=(n, who)) for n, who in enumerate(people)
    ]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    result.elapsed = time.monotonic() - began
    return result


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
