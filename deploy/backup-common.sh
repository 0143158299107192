# shellcheck shell=bash
# What deploy/backup.sh and deploy/restore.sh share (sourced, not run).
#
# Both scripts run in the site's environment (the same variables as the web
# process: DATABASE_URL, MEDIA_ROOT, SECRET_KEY, FIELD_ENCRYPTION_KEYS...) and
# ask Django's own settings where the database and the uploaded files are,
# rather than parsing DATABASE_URL again in shell: whatever the site reads
# (defaults, sqlite:/// paths, postgres:// or postgresql://, query options),
# the scripts read too.

# The project's root: the scripts work from it, as the site does (a relative
# SQLite path or MEDIA_ROOT means the same file for both).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

# The Python that runs the site: $PYTHON if given, else the project's
# virtual environment, else python3.
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then
    PYTHON="$ROOT/.venv/bin/python"
  else
    PYTHON=python3
  fi
fi
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-imagin.settings}"

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

manage() {
  "$PYTHON" "$ROOT/manage.py" "$@"
}

# Sets DB_KIND (postgresql or sqlite), DB_NAME (the database, or the SQLite
# file's absolute path) and MEDIA_DIR from the settings; for PostgreSQL, also
# exports the libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
# PGSSLMODE) that pg_dump, pg_restore and psql read: the password travels in
# the environment, never on a command line that `ps` shows.
load_site_settings() {
  local assignments
  assignments="$("$PYTHON" - <<'PYTHON'
import os
import shlex

from django.conf import settings

database = settings.DATABASES["default"]
kinds = {
    "django.db.backends.postgresql": "postgresql",
    "django.db.backends.sqlite3": "sqlite",
}
kind = kinds.get(database["ENGINE"], "unsupported:" + database["ENGINE"])
values = {
    "DB_KIND": kind,
    "DB_NAME": os.path.abspath(database["NAME"])
    if kind == "sqlite"
    else str(database["NAME"]),
    "MEDIA_DIR": os.path.abspath(settings.MEDIA_ROOT),
}
if kind == "postgresql":
    options = database.get("OPTIONS") or {}
    values |= {
        "PGHOST": str(database.get("HOST") or ""),
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": str(database.get("USER") or ""),
        "PGPASSWORD": str(database.get("PASSWORD") or ""),
        "PGDATABASE": str(database["NAME"]),
        "PGSSLMODE": str(options.get("sslmode") or ""),
    }
for name, value in values.items():
    print(f"{name}={shlex.quote(value)}")
PYTHON
)" || die "cannot read the site's settings (run in the site's environment)."
  eval "$assignments"
  case "$DB_KIND" in
    postgresql)
      # Empty means libpq's default (a local socket, the current user...).
      local name
      for name in PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE; do
        if [ -n "${!name}" ]; then export "${name?}"; else unset "$name"; fi
      done
      ;;
    sqlite) ;;
    *) die "database engine not handled by this script: ${DB_KIND#unsupported:}" ;;
  esac
}

# Copies the SQLite database $1 into $2 with SQLite's online backup API (the
# standard sqlite3 module of the site's Python), then checks the copy's
# integrity. A consistent snapshot even while the site writes, in WAL mode or
# not, where `cp` could copy a half-written page and miss what still sits in
# the -wal file; and no sqlite3 program needed (nor `manage.py dbshell`, which
# calls it). Writing through SQLite into $2 also handles a -wal file left
# next to it.
sqlite_copy() {
  "$PYTHON" - "$1" "$2" <<'PYTHON'
import os
import sqlite3
import sys

source_path, target_path = sys.argv[1:3]
if not os.path.isfile(source_path):
    # sqlite3.connect would create an empty database: say it is missing.
    sys.exit(f"no SQLite database at {source_path}")
source = sqlite3.connect(source_path)
target = sqlite3.connect(target_path)
source.backup(target)  # every page in one step: one consistent snapshot
source.close()
(check,) = target.execute("PRAGMA integrity_check").fetchone()
target.close()
if check != "ok":
    sys.exit(f"the copy of {source_path} fails its integrity check: {check}")
PYTHON
}
