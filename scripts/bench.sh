#!/usr/bin/env bash
# Benchmarks, each on throwaway data:
#   scripts/bench.sh                  every app's micro-benchmarks, then the class benchmark
#   scripts/bench.sh NAME...          only these micro-benchmarks (manage.py bench)
#   scripts/bench.sh class [OPTIONS]  only the class benchmark (manage.py bench_class --help:
#                                     --trainees 60 --duration 120 --chaos --postgres
#                                     --database-url URL --web-servers N --workers N)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python
if [[ ${1:-} == class ]]; then
    shift
    exec "$PY" manage.py bench_class "$@"
fi
if (($#)); then
    exec "$PY" manage.py bench "$@"
fi
"$PY" manage.py bench
exec "$PY" manage.py bench_class
