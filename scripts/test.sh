#!/usr/bin/env bash
# The CI gate: static checks, then the whole pytest suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/lint.sh
exec .venv/bin/pytest "$@"
