#!/usr/bin/env bash
# Back up IMAG'IN: the database and the uploaded files, with a manifest.
#
#   deploy/backup.sh DESTINATION
#
# Run it in the site's environment (same variables as the web process), as
# the user that runs the site; the site may keep running. DESTINATION must not
# exist or be empty; it receives:
#   database.dump     PostgreSQL (pg_dump --format=custom), or
#   database.sqlite3  SQLite (a consistent copy through SQLite's backup API);
#   media.tar.gz      MEDIA_ROOT (RIBs, receipts: personal data);
#   manifest.txt      date, code commit, applied migrations;
#   SHA256SUMS        written last: a directory without it is an interrupted
#                     backup, which deploy/restore.sh refuses.
#
# The backup never holds SECRET_KEY nor FIELD_ENCRYPTION_KEYS: keep the keys
# in another safe, backed up separately. A backup that carried its own keys
# would protect nothing: whoever got hold of it could read every IBAN and
# social security number in it. Without the keys, the encrypted columns of a
# restored database cannot be read (docs/operations.md).
set -euo pipefail

# shellcheck source=deploy/backup-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/backup-common.sh"

[ $# -eq 1 ] || die "usage: $0 DESTINATION"
destination="$1"
if [ -e "$destination" ] && [ -n "$(ls -A "$destination")" ]; then
  die "$destination is not empty: give a new directory for each backup."
fi
# The backup holds personal data: readable by its owner only.
umask 077
mkdir -p "$destination"
destination="$(cd "$destination" && pwd)"

load_site_settings
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# The database first, then the files: every file the dumped rows name was
# uploaded before the dump, so it is in the archive (files uploaded since are
# extra, and harmless).
case "$DB_KIND" in
  postgresql)
    echo "Database: pg_dump of $PGDATABASE"
    # The custom format is compressed and lets pg_restore clean and restore
    # selectively; pg_restore --list proves the archive readable.
    pg_dump --format=custom --file="$destination/database.dump"
    pg_restore --list "$destination/database.dump" >/dev/null
    database_file=database.dump
    ;;
  sqlite)
    echo "Database: SQLite $DB_NAME"
    sqlite_copy "$DB_NAME" "$destination/database.sqlite3"
    database_file=database.sqlite3
    ;;
esac

if [ -d "$MEDIA_DIR" ]; then
  echo "Uploaded files: $MEDIA_DIR"
  media_note="$(find "$MEDIA_DIR" -type f | wc -l) file(s) from $MEDIA_DIR"
  source_dir="$MEDIA_DIR"
else
  # No upload yet: an empty archive, so that a restore empties the folder.
  echo "Uploaded files: $MEDIA_DIR does not exist; empty archive."
  media_note="none: $MEDIA_DIR did not exist"
  source_dir="$(mktemp -d)"
fi
# Exit status 1 from GNU tar means a file changed while it was read (an
# upload in progress); that file may be incomplete in the archive, the others
# are whole. Anything above 1 is a failure.
tar_status=0
tar --create --gzip --file="$destination/media.tar.gz" \
  --directory="$source_dir" . || tar_status=$?
if [ "$tar_status" -gt 1 ]; then
  die "tar failed (status $tar_status) archiving $source_dir"
elif [ "$tar_status" -eq 1 ]; then
  echo "warning: a file changed while it was archived (an upload in progress)." >&2
  media_note="$media_note (some changed while archived)"
fi
[ "$source_dir" = "$MEDIA_DIR" ] || rmdir "$source_dir"

commit="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo "unknown (not a git checkout)")"
if [ "${commit#unknown}" = "$commit" ] && [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit (with local changes)"
fi
{
  echo "IMAG'IN backup"
  echo "started: $started"
  echo "finished: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(hostname)"
  echo "code commit: $commit"
  echo "database: $DB_KIND $DB_NAME -> $database_file"
  echo "uploaded files: $media_note -> media.tar.gz"
  echo "not included: SECRET_KEY and FIELD_ENCRYPTION_KEYS (kept in another safe)"
  echo
  echo "Migrations (manage.py showmigrations; [X] applied):"
  manage showmigrations --no-color
} >"$destination/manifest.txt"

(cd "$destination" && sha256sum "$database_file" media.tar.gz manifest.txt >SHA256SUMS)
echo "Backup complete: $destination"
