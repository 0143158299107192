#!/usr/bin/env bash
# Restore an IMAG'IN backup made by deploy/backup.sh.
#
#   deploy/restore.sh [--yes] BACKUP_DIRECTORY
#
# Run it in the site's environment (same variables as the web process: the
# database and MEDIA_ROOT restored are those the site uses), as the user that
# runs the site, with the site and the worker stopped. It REPLACES:
#   - the database: PostgreSQL through pg_restore --clean --if-exists into
#     the existing database DATABASE_URL names (create it empty first on a
#     new server); SQLite by copying the backup over the file;
#   - MEDIA_ROOT: the folder in place is kept aside, renamed
#     <MEDIA_ROOT>.before-restore-<date>, for you to delete once satisfied.
# Then it reports whether the database's migrations match the code.
#
# The encryption keys are not in the backup: FIELD_ENCRYPTION_KEYS must hold
# the key(s) in use when the backup was made, or IBANs and social security
# numbers cannot be read (docs/operations.md).
set -euo pipefail

# shellcheck source=deploy/backup-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/backup-common.sh"

confirmed=""
if [ "${1:-}" = "--yes" ]; then
  confirmed=yes
  shift
fi
[ $# -eq 1 ] || die "usage: $0 [--yes] BACKUP_DIRECTORY"
backup="$(cd "$1" 2>/dev/null && pwd)" || die "no directory $1"

# SHA256SUMS is written last: without it the backup was interrupted; with it,
# every file must be intact before anything is replaced.
[ -f "$backup/SHA256SUMS" ] || die "$backup has no SHA256SUMS: an incomplete backup."
(cd "$backup" && sha256sum --check --quiet SHA256SUMS) ||
  die "$backup is damaged: a file does not match SHA256SUMS."
if [ -f "$backup/database.dump" ]; then
  backup_kind=postgresql
elif [ -f "$backup/database.sqlite3" ]; then
  backup_kind=sqlite
else
  die "$backup holds no database.dump nor database.sqlite3."
fi

load_site_settings
[ "$backup_kind" = "$DB_KIND" ] ||
  die "this backup is a $backup_kind database; DATABASE_URL points to $DB_KIND."

echo "Backup: $backup"
sed -n 's/^\(started\|code commit\): /  backup \1: /p' "$backup/manifest.txt"
echo "Will replace: the $DB_KIND database $DB_NAME, and $MEDIA_DIR."
if [ -z "$confirmed" ]; then
  [ -t 0 ] || die "not confirmed: add --yes to restore without a question."
  read -r -p "Type 'restore' to go on: " answer
  [ "$answer" = restore ] || die "cancelled; nothing changed."
fi

# The files are unpacked next to MEDIA_ROOT before anything is replaced (a
# full disk stops the restore here), then swapped in after the database.
media_parent="$(dirname "$MEDIA_DIR")"
mkdir -p "$media_parent"
unpacked="$(mktemp -d "$media_parent/.media-restoring.XXXXXX")"
trap 'rm -rf "$unpacked"' EXIT
tar --extract --gzip --no-same-owner --file="$backup/media.tar.gz" \
  --directory="$unpacked"

case "$DB_KIND" in
  postgresql)
    # --clean --if-exists: drop each object of the backup before creating it
    # again, whether or not the database already has it. --no-owner: the
    # objects belong to the user restoring (the site's), whatever their
    # owner's name on the server backed up. One transaction, stopping at the
    # first error: a failed restore leaves the database as it was.
    pg_restore --clean --if-exists --no-owner --exit-on-error \
      --single-transaction --dbname="$PGDATABASE" "$backup/database.dump"
    ;;
  sqlite)
    mkdir -p "$(dirname "$DB_NAME")"
    sqlite_copy "$backup/database.sqlite3" "$DB_NAME"
    ;;
esac
echo "Database restored."

# The folder keeps the permissions it had (mktemp made the new one private
# to the site's user, 700, which is also right for a new one).
mode=700
if [ -d "$MEDIA_DIR" ]; then
  mode="$(stat -c %a "$MEDIA_DIR")"
  if [ -n "$(ls -A "$MEDIA_DIR")" ]; then
    aside="$MEDIA_DIR.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
    mv "$MEDIA_DIR" "$aside"
    echo "The previous uploaded files are in $aside: delete it once satisfied."
  else
    rmdir "$MEDIA_DIR"
  fi
fi
mv "$unpacked" "$MEDIA_DIR"
trap - EXIT
chmod "$mode" "$MEDIA_DIR"
echo "Uploaded files restored: $(find "$MEDIA_DIR" -type f | wc -l) file(s)."

# The backup may come from an older version of the code: say so, rather than
# letting the site start on tables it does not expect.
if manage migrate --check >/dev/null 2>&1; then
  echo "Migrations: the database matches the code."
else
  echo "Migrations: the database is behind the code (or unreadable);" \
    "run 'manage.py migrate' before starting the site:"
  manage showmigrations --plan --no-color | grep -v '^\[X\]' || true
fi
echo "Restore complete. Start the site and the worker again."
