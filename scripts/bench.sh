#!/usr/bin/env bash
# Benchmarks: `manage.py bench`; arguments are passed through.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec .venv/bin/python manage.py bench "$@"
