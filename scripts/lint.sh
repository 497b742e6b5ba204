#!/usr/bin/env bash
# Static checks: ruff lint + format, Django system checks, no missing migrations.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python

set -x
.venv/bin/ruff check .
.venv/bin/ruff format --check .
"$PY" manage.py check
# makemigrations checks the history of the database it is given; give it one in memory, so
# that lint neither needs nor leaves behind a development database (db.sqlite3).
DATABASE_URL=sqlite:///:memory: "$PY" manage.py makemigrations --check --dry-run
