"""A local installation's secrets, made once: `python -m imagin.local_secrets FILE`.

`make run` serves the demo as production does, so with a real SECRET_KEY and
real FIELD_ENCRYPTION_KEYS. This writes them to FILE (an untracked
`.secrets.env`, readable by its owner only) the first time, and leaves an
existing file alone: the data encrypted under its key stays readable, the
sessions signed with its key stay valid. Lines are `NAME=value`, for a shell
(`set -a; . ./.secrets.env`) or any tool reading environment files.

Only the standard library: it runs before the virtual environment exists.
"""

from __future__ import annotations

import base64
import os
import secrets
import stat
import sys
from pathlib import Path

HEADER = """\
# Secrets of this local installation, generated once by `make run` / `make dev`
# (python -m imagin.local_secrets). Never commit or share this file. Losing
# FIELD_ENCRYPTION_KEYS makes the stored IBANs unreadable: back it up apart
# from the database. A production deployment sets these variables itself.
"""


def generate() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        # A Fernet key: 32 random bytes, url-safe base64.
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }


def ensure(path: Path) -> bool:
    """Write `path` unless it exists; True if it was written now."""
    try:
        # O_EXCL: two `make` started together never both write (nor overwrite).
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            # Readable by others: close it rather than refuse to start.
            path.chmod(0o600)
        return False
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(HEADER)
        for name, value in generate().items():
            file.write(f"{name}={value}\n")
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} FILE", file=sys.stderr)
        return 2
    path = Path(argv[1])
    if ensure(path):
        print(f"Secrets of this installation written to {path} (mode 600).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
