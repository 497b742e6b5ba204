"""The stack a class benchmark runs against, started the way ``make run`` starts it.

One ``scripts/run.sh`` (all roles under one supervisord) by default; with several web servers
or workers, each role on its own (``run.sh redis|prepare|web|worker|beat``), as a large class
spreads them over machines. Everything lives in a temporary folder: database (unless one is
given), Redis, run folder; ``close()`` stops every process and removes it.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
import redis

ROOT = Path(__file__).resolve().parents[2]
PG_BIN_DIRS = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not met within {timeout} s")
        time.sleep(interval)


def answers(url):
    try:
        with urllib.request.urlopen(url + "/login/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


class Postgres:
    """A throwaway PostgreSQL 15 cluster (as the tests start one); ``url`` is its database."""

    def __init__(self, tmp: Path, max_connections=300):
        pg_bin = next((d for d in PG_BIN_DIRS if os.path.exists(f"{d}/initdb")), None)
        if pg_bin is None:
            raise RuntimeError("PostgreSQL server binaries are not installed (postgresql-15)")
        self.pg_ctl, self.data = f"{pg_bin}/pg_ctl", tmp / "pgdata"
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            os.chmod(tmp, 0o755)
            shutil.chown(tmp, "postgres")
        port = free_port()
        self._run(f"{pg_bin}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres")
        options = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1"
        options += f" -c max_connections={max_connections} -c shared_buffers=128MB"
        self._run(self.pg_ctl, "-D", self.data, "-o", options, "-l", tmp / "pg.log", "-w", "start")
        self._run(f"{pg_bin}/createdb", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "console")
        self.url = f"postgres://postgres@127.0.0.1:{port}/console"

    def _run(self, *args):
        done = subprocess.run(self.prefix + [str(a) for a in args], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed:\n{done.stdout}\n{done.stderr}")

    def close(self):
        self._run(self.pg_ctl, "-D", self.data, "-m", "fast", "-w", "stop")


class Stack:
    """The console's processes on free ports; ``urls`` are its web servers.

    Construct, then ``start()`` inside ``try`` / ``finally: close()``.
    """

    def __init__(self, *, web_servers=1, workers=1, database_url=None, postgres=False, env=None):
        self.tmp = Path(tempfile.mkdtemp(prefix="class-bench-"))
        self.postgres = None
        if postgres:
            os.chmod(self.tmp, 0o755)  # PostgreSQL runs as its own user, below this folder
            (self.tmp / "pg").mkdir()
            try:
                self.postgres = Postgres(self.tmp / "pg")
            except BaseException:
                shutil.rmtree(self.tmp, ignore_errors=True)
                raise
        self.redis_url = f"redis://127.0.0.1:{free_port()}/0"
        database_url = database_url or (self.postgres.url if self.postgres else None)
        self.env = dict(os.environ)
        for name in ("DJANGO_SETTINGS_MODULE", "DEBUG", "DEV", "PRODUCTION", "ALLOWED_HOSTS"):
            self.env.pop(name, None)
        self.env.update(
            REDIS_URL=self.redis_url,
            DATABASE_URL=database_url or f"sqlite:///{self.tmp / 'db.sqlite3'}",
            RUN_DIR=str(self.tmp / "run"),
            **(env or {}),
        )
        self.procs = []  # (role, Popen of run.sh, which execs supervisord)
        self.urls = []
        self.log_path = self.tmp / "stack.log"
        self._log = open(self.log_path, "ab")  # closed in close()
        self.shape = (web_servers, workers)

    def start(self):
        """Start every role and wait until the web servers answer (``close()`` in any case)."""
        if self.shape == (1, 1):
            self._start_all()
        else:
            self._start_roles(*self.shape)

    def _spawn(self, role, name="", **env):
        proc = subprocess.Popen(
            [str(ROOT / "scripts" / "run.sh"), role],
            cwd=ROOT,
            env=dict(self.env, RUN_NAME=name, **{k: str(v) for k, v in env.items()}),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append((role, proc))
        return proc

    def _start_all(self):
        port = free_port()
        self._spawn("all", PORT=port)
        self.urls.append(f"http://127.0.0.1:{port}")
        self._wait_web()

    def _start_roles(self, web_servers, workers):
        self._spawn("redis")
        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=0.5)
        wait_for(lambda: self._ping(client), 30, what="Redis answers")
        prepare = subprocess.run(
            [str(ROOT / "scripts" / "run.sh"), "prepare"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        if prepare.returncode:
            raise RuntimeError(f"run.sh prepare failed; see {self.log_path}")
        for n in range(workers):
            self._spawn("worker", f"w{n + 1}")
        self._spawn("beat")
        for n in range(web_servers):
            port = free_port()
            self._spawn("web", f"web{n + 1}", PORT=port)
            self.urls.append(f"http://127.0.0.1:{port}")
        self._wait_web()

    @staticmethod
    def _ping(client):
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def _wait_web(self):
        def ready():
            if any(proc.poll() is not None for _, proc in self.procs):
                raise RuntimeError(f"the stack stopped while starting; see {self.log_path}")
            return all(answers(url) for url in self.urls)

        wait_for(ready, 180, what="the web servers answer")

    def processes(self):
        """Every process of the stack, with its role: [(role, psutil.Process)]."""
        found = []
        for _, proc in self.procs:
            try:
                root = psutil.Process(proc.pid)
                found.append(("supervisord", root))
                found += [(role_of(p), p) for p in root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return found

    def log_tail(self, lines=60):
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def save_log(self, path):
        """Copy the stack's output so far to ``path`` (the folder goes with ``close()``)."""
        self._log.flush()
        shutil.copyfile(self.log_path, path)

    def close(self):
        for _, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, proc in self.procs:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.postgres:
            self.postgres.close()
        self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def role_of(process):
    """web, worker, beat, redis or other, from a process's command line."""
    try:
        words = process.cmdline()
    except psutil.Error:
        return "gone"
    line = " ".join(words)
    if "gunicorn" in line or "runserver" in line:
        return "web"
    if "redis-server" in line:
        return "redis"
    if "celery" in line:
        return "beat" if " beat" in line else "worker"
    return "other"
