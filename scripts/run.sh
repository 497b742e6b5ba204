#!/usr/bin/env bash
# Run the whole console locally under one supervisor:
#   redis-server on 127.0.0.1:6380 (reused if one already answers there), a Celery worker,
#   Celery beat (the reconciler's clock) and the web server (runserver, or gunicorn when
#   PRODUCTION=1). Ctrl-C / SIGTERM stops everything; if any child exits, the rest are stopped
#   and the script exits non-zero.
# Environment: REDIS_URL, DATABASE_URL, PROVISION_DELAY, DEMO_PASSWORD, PRODUCTION, SECRET_KEY,
#   HOST (127.0.0.1), PORT (8000), WEB_CONCURRENCY (gunicorn workers, 2), WORKER_CONCURRENCY (2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=.venv/bin/python
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6380/0}"
RUN_DIR=.run
mkdir -p "$RUN_DIR/redis" "$RUN_DIR/log"

pids=()
names=()
stopping=0

log() { printf '[run] %s\n' "$*" >&2; }

# Every child runs in its own session (setsid), so it and its own children (Celery's pool,
# gunicorn's workers) can be signalled as one process group, and a Ctrl-C in the terminal
# reaches only this script, which then shuts the children down in order.
start() {
    local name=$1
    shift
    setsid "$@" &
    pids+=("$!")
    names+=("$name")
    log "started $name (pid $!): $*"
}

signal_all() {
    # signal_all SIG [skip-redis]: signal every child's process group, newest first.
    local sig=$1 skip_redis=${2:-0} i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        [[ $skip_redis == 1 && ${names[i]} == redis ]] && continue
        kill -"$sig" -- "-${pids[i]}" 2>/dev/null || true
    done
}

alive() {
    # alive [skip-redis]: is any child's process group still there?
    local skip_redis=${1:-0} i
    for i in "${!pids[@]}"; do
        [[ $skip_redis == 1 && ${names[i]} == redis ]] && continue
        if kill -0 -- "-${pids[i]}" 2>/dev/null; then return 0; fi
    done
    return 1
}

wait_gone() {
    # wait_gone SECONDS [skip-redis]
    local ticks=$(($1 * 10))
    while alive "${2:-0}" && ((ticks-- > 0)); do sleep 0.1; done
    ! alive "${2:-0}"
}

shutdown() {
    local code=$1
    ((stopping)) && return
    stopping=1
    trap '' INT TERM
    log "stopping ${names[*]:-nothing}"
    # Web, beat and worker first (the worker's warm shutdown still talks to Redis), then Redis.
    signal_all TERM 1
    wait_gone 10 1 || { log "still running after 10s, killing"; signal_all KILL 1; }
    signal_all TERM
    wait_gone 10 || { log "redis still running after 10s, killing"; signal_all KILL; }
    wait 2>/dev/null || true
    exit "$code"
}
trap 'shutdown 130' INT
trap 'shutdown 143' TERM
trap 'shutdown 1' ERR

redis_ping() {
    "$PY" - "$REDIS_URL" <<'PY' >/dev/null 2>&1
import sys

import redis

redis.Redis.from_url(sys.argv[1], socket_connect_timeout=0.5, socket_timeout=0.5).ping()
PY
}

# --- Redis ---------------------------------------------------------------------------------
read -r REDIS_HOST REDIS_PORT < <("$PY" -c '
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(u.hostname or "127.0.0.1", u.port or 6379)' "$REDIS_URL")

if redis_ping; then
    log "reusing the Redis already serving $REDIS_URL"
elif [[ $REDIS_HOST == 127.0.0.1 || $REDIS_HOST == localhost ]]; then
    start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$RUN_DIR/redis" \
        --daemonize no --protected-mode no --appendonly no --save 60 1 \
        --logfile "" --loglevel warning
    for _ in $(seq 50); do
        redis_ping && break
        kill -0 "${pids[-1]}" 2>/dev/null || { log "redis-server exited"; shutdown 1; }
        sleep 0.1
    done
    redis_ping || { log "redis-server does not answer on $REDIS_URL"; shutdown 1; }
else
    log "Redis at $REDIS_URL does not answer (and it is not local, so not starting one)"
    exit 1
fi

# --- Database and demo data ----------------------------------------------------------------
"$PY" manage.py migrate --noinput
"$PY" manage.py seed_demo
if [[ ${PRODUCTION:-} == 1 ]]; then
    "$PY" manage.py collectstatic --noinput -v 0
fi

# --- Celery ---------------------------------------------------------------------------------
start worker .venv/bin/celery -A console worker -l "${CELERY_LOG_LEVEL:-warning}" \
    --concurrency "${WORKER_CONCURRENCY:-2}" -n "console-worker@%h"
start beat .venv/bin/celery -A console beat -l "${CELERY_LOG_LEVEL:-warning}" -s "$RUN_DIR/celerybeat-schedule"

# --- Web --------------------------------------------------------------------------------------
if [[ ${PRODUCTION:-} == 1 ]]; then
    start web .venv/bin/gunicorn console.wsgi:application --bind "$HOST:$PORT" \
        --workers "${WEB_CONCURRENCY:-2}" --access-logfile -
else
    start web "$PY" manage.py runserver "$HOST:$PORT" --noreload
fi

cat >&2 <<MSG

  PrivateLink console: http://$HOST:$PORT
  Logins (password: ${DEMO_PASSWORD:-demo-password}):
    account-a    account-b    instructor
  Ctrl-C stops everything.

MSG

# --- Supervise --------------------------------------------------------------------------------
code=0
wait -n "${pids[@]}" || code=$?
((stopping)) && exit "$code"
for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[i]}" 2>/dev/null; then
        log "${names[i]} exited (status $code); stopping the rest"
    fi
done
((code == 0)) && code=1
shutdown "$code"
