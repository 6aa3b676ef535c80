#!/usr/bin/env bash
# Nightly backup for cron or a systemd timer: the database (online) and the media into
# $BACKUP_DIR/<UTC time>, keeping the newest $KEEP. Example crontab line (as the linli user):
#   30 3 * * * /srv/linli/app/deploy/backup.sh
# Restore (service stopped): flask --app wsgi db restore $BACKUP_DIR/<time>
set -euo pipefail
cd "$(dirname "$0")/.."
ENV_FILE="${ENV_FILE:-/etc/linli/linli.env}"
BACKUP_DIR="${BACKUP_DIR:-/srv/linli/backups}"
KEEP="${KEEP:-14}"
if [ -r "$ENV_FILE" ]; then set -a; . "$ENV_FILE"; set +a; fi
mkdir -p "$BACKUP_DIR"
.venv/bin/flask --app wsgi db backup "$BACKUP_DIR/$(date -u +%Y%m%dT%H%M%SZ)"
ls -1d "$BACKUP_DIR"/*/ | sort | head -n -"$KEEP" | xargs -r rm -rf
