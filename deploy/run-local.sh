#!/usr/bin/env bash
# The embedded default on one machine: SQLite, the SQLite task queue, 2 gunicorn workers on
# 127.0.0.1:8000, and the demo community. Run by `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
# Plain http on this machine: the console's cookie cannot be Secure here (production has TLS).
export CONSOLE_COOKIE_SECURE="${CONSOLE_COOKIE_SECURE:-0}"
"$bin/flask" --app wsgi db upgrade
"$bin/flask" --app wsgi seed-demo
"$bin/flask" --app wsgi queue consume --workers 2 &
consumer=$!
trap 'kill "$consumer" 2>/dev/null || true; wait "$consumer" 2>/dev/null || true' EXIT INT TERM
"$bin/gunicorn" -c deploy/gunicorn.conf.py --workers "${WEB_CONCURRENCY:-2}" 'wsgi:create_app()'
