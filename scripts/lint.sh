#!/usr/bin/env bash
# Static checks: ruff lint + format, Django system checks, no missing migrations.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python

set -x
.venv/bin/ruff check .
.venv/bin/ruff format --check .
"$PY" manage.py check
"$PY" manage.py makemigrations --check --dry-run
