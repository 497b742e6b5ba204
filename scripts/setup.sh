#!/usr/bin/env bash
# Idempotent machine + project setup.
#   scripts/setup.sh            system packages for `make run` (redis-server), .venv, Python deps
#   scripts/setup.sh --browser  also chromium (for the Playwright browser tests)
# System packages are installed with apt-get only when missing; `apt-get update` runs only then.
# Python dependencies are (re)installed only when pyproject.toml is newer than the stamp file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_browser=0
for arg in "$@"; do
    case "$arg" in
        --browser) want_browser=1 ;;
        *) echo "setup.sh: unknown argument $arg" >&2; exit 2 ;;
    esac
done

PYTHON="${PYTHON:-python3}"
VENV=.venv
STAMP="$VENV/.deps-installed"

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [[ $want_browser == 1 ]] && ! command -v "${CHROMIUM_PATH:-/usr/bin/chromium}" >/dev/null 2>&1; then
    missing+=(chromium)
fi
# The test suite also runs its concurrency checks on a throwaway PostgreSQL 15 cluster.
if [[ $want_browser == 1 ]] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing+=(postgresql-15)
fi
if [[ ! -x $VENV/bin/python ]]; then
    command -v "$PYTHON" >/dev/null 2>&1 || missing+=(python3)
    "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
fi

if ((${#missing[@]})); then
    echo "setup: installing system packages: ${missing[*]}"
    sudo=()
    if [[ $(id -u) != 0 ]]; then
        command -v sudo >/dev/null 2>&1 || {
            echo "setup: need root (or sudo) to apt-get install ${missing[*]}" >&2
            exit 1
        }
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update
    "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
    # Debian starts its own redis service on 6379; the project uses its own on 6380, leave it.
fi

if [[ ! -x $VENV/bin/python ]]; then
    "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11), sys.version' || {
        echo "setup: Python >= 3.11 required (set PYTHON=/path/to/python3.11)" >&2
        exit 1
    }
    echo "setup: creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi

if [[ ! -f $STAMP || pyproject.toml -nt $STAMP ]]; then
    echo "setup: installing Python dependencies from pyproject.toml"
    "$VENV/bin/python" - >"$VENV/requirements.txt" <<'PY'
import tomllib

with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)["project"]
for req in project["dependencies"] + project["optional-dependencies"]["dev"]:
    print(req)
PY
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$VENV/requirements.txt"
    touch "$STAMP"
fi
