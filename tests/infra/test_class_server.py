"""The class server as ``make run`` starts it: supervised children come back after a crash
while the rest keep serving, and SIGTERM stops every process."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
import redis
from celery import Celery

from labs.classbench.stack import ROOT, free_port

pytestmark = pytest.mark.stack

STARTUP = 120  # migrations on a fresh database, on a busy machine


def _wait_for(predicate, timeout, interval=0.1):
    deadline = time.monotonic() + timeout
    while not (result := predicate()) and time.monotonic() < deadline:
        time.sleep(interval)
    return result


def _tail(path, lines):
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def http_get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            # Header names are case-insensitive (uvicorn sends them in lower case).
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, response.read().decode()
    except OSError:
        return None, {}, ""


class Stack:
    """``scripts/run.sh`` on free ports, a throwaway database and its own run folder."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.port, redis_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.redis_url = f"redis://127.0.0.1:{redis_port}/0"
        self.log_path = tmp / "run.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))}
        env.update(
            PORT=str(self.port),
            REDIS_URL=self.redis_url,
            DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
            RUN_DIR=str(tmp / "run"),
            WEB_CONCURRENCY="2",
            WORKER_CONCURRENCY="1",
            # What the children put in the temporary folder (a killed worker cannot clean up
            # its pool's) goes with the rest.
            TMPDIR=str(tmp),
        )
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [str(ROOT / "scripts" / "run.sh")],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self):
        return _tail(self.log_path, 120)

    def child(self, name):
        """The pid supervisord runs as ``name`` (web, worker, beat, redis), if running."""
        markers = {
            "web": "gunicorn",
            "worker": " worker ",
            "beat": " beat ",
            "redis": "redis-server",
        }
        for child in psutil.Process(self.proc.pid).children():
            try:
                if markers[name] in " ".join(child.cmdline()) + " ":
                    return child.pid
            except psutil.NoSuchProcess:
                continue
        return None

    def everything(self):
        return [self.proc.pid] + [
            p.pid for p in psutil.Process(self.proc.pid).children(recursive=True)
        ]

    def worker_answers(self):
        app = Celery(broker=self.redis_url, set_as_current=False)
        try:
            replies = app.control.ping(timeout=0.5)
        finally:
            app.close()
        return any(name.startswith("console-worker@") for r in replies for name in r)

    def serves(self):
        return http_get(self.url + "/login/")[0] == 200

    def kill(self):
        for pid in reversed(self.everything()):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)


@pytest.fixture
def stack(request):
    """The stack in its own temporary folder (database, Redis's data, logs, static files),
    removed afterwards unless the test failed: each run would otherwise leave a few MB."""
    tmp = Path(tempfile.mkdtemp(prefix="test-class-server-"))
    stack = Stack(tmp)
    try:
        ready = _wait_for(
            lambda: stack.proc.poll() is not None or (stack.serves() and stack.child("beat")),
            timeout=STARTUP,
            interval=0.2,
        )
        assert ready and stack.proc.poll() is None, f"the stack did not start:\n{stack.log()}"
        yield stack
    finally:
        if stack.proc.poll() is None:
            stack.kill()
        failed = any(
            getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
            for when in ("setup", "call")
        )
        if not failed:
            shutil.rmtree(tmp, ignore_errors=True)


def restarted(stack, name, old_pid):
    new = _wait_for(lambda: (stack.child(name) or old_pid) != old_pid, timeout=30, interval=0.1)
    assert new, f"{name} was not restarted:\n{stack.log()}"
    assert f"exited: {name} (terminated by SIGKILL; not expected)" in stack.log()


def test_a_dead_child_is_restarted_the_rest_serve_and_sigterm_stops_all(stack):
    # Static files: collected, under a hashed name, compressed, cached for a year.
    status, _, page = http_get(stack.url + "/login/")
    css = re.search(r'href="(/static/css/console\.[0-9a-f]{12}\.css)"', page)
    assert css, page[:500]
    status, headers, _ = http_get(stack.url + css.group(1))
    assert status == 200 and "immutable" in headers.get("cache-control", "")
    assert _wait_for(stack.worker_answers, timeout=30)
    # The server's threads keep their database connections between requests.
    web = psutil.Process(stack.child("web"))
    assert web.environ().get("CONN_MAX_AGE") == "60"

    pids = {name: stack.child(name) for name in ("web", "worker", "beat", "redis")}
    os.kill(pids["web"], signal.SIGKILL)
    restarted(stack, "web", pids["web"])
    assert _wait_for(stack.serves, timeout=30), stack.log()

    os.kill(pids["worker"], signal.SIGKILL)
    restarted(stack, "worker", pids["worker"])
    assert _wait_for(stack.worker_answers, timeout=30), stack.log()
    # Nothing else was restarted meanwhile.
    assert (stack.child("beat"), stack.child("redis")) == (pids["beat"], pids["redis"])

    everything = [psutil.Process(pid) for pid in stack.everything()]
    assert len(everything) >= 7  # supervisord, redis, worker + pool, beat, gunicorn + workers
    stack.proc.send_signal(signal.SIGTERM)
    assert stack.proc.wait(60) == 0, stack.log()
    gone, alive = psutil.wait_procs(everything, timeout=10)
    assert not alive, f"left running: {[p.pid for p in alive]}\n{stack.log()}"
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(stack.redis_url, socket_connect_timeout=0.5).ping()
