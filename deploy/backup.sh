#!/bin/sh
# The compose file's backup service: every night at BACKUP_AT (Asia/Shanghai), the
# database in pg_dump's custom format and the uploaded documents as a tar archive, into
# BACKUP_DIR, kept BACKUP_KEEP_DAYS days. The dump holds ID numbers and phones encrypted
# (the keys are not in it: keep FIELD_ENCRYPTION_KEY and ID_HASH_KEY in the vault).
#
#   docker compose run --rm backup once     # one backup now
#   pg_restore --clean --if-exists -d portal portal-YYYYMMDD-HHMM.dump   # restore
#
# The connection comes from the PG* variables (PGHOST, PGUSER, PGDATABASE, PGPASSWORD).
set -eu
dir="${BACKUP_DIR:-/backups}"
media="${MEDIA_DIR:-/data/media}"
keep="${BACKUP_KEEP_DAYS:-14}"
at="${BACKUP_AT:-03:30}"

backup() {
    stamp=$(date +%Y%m%d-%H%M)
    # written under a temporary name first: a half-written file is never taken for a backup
    pg_dump --format=custom --file="$dir/portal-$stamp.dump.part"
    mv "$dir/portal-$stamp.dump.part" "$dir/portal-$stamp.dump"
    tar -C "$(dirname "$media")" -czf "$dir/media-$stamp.tgz.part" "$(basename "$media")"
    mv "$dir/media-$stamp.tgz.part" "$dir/media-$stamp.tgz"
    find "$dir" -maxdepth 1 \( -name 'portal-*.dump' -o -name 'media-*.tgz' \) \
        -mtime +"$keep" -delete
    echo "backup $stamp written to $dir"
}

if [ "${1:-}" = once ]; then
    backup
    exit 0
fi
while true; do
    now=$(date +%s)
    next=$(date -d "$at" +%s)
    [ "$next" -gt "$now" ] || next=$((next + 86400))
    sleep $((next - now))
    backup || echo "backup failed; the next one is tomorrow at $at" >&2
done
