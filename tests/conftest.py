"""Shared test infrastructure: a real Redis, a real Celery worker, and Debian's chromium.

Unit tests run Celery tasks eagerly with no provisioning delay (the autouse fixture
``celery_eager``). A test that asks for ``celery_worker`` gets instead a real worker process
that shares the test database and a private Redis; tasks the test enqueues go through Redis.
Browser tests use ``page`` (a fresh browser context per test) and ``live_url``.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest

# Playwright's sync API runs an asyncio loop in the test thread; Django would otherwise refuse
# ORM calls from it ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
]
DEFAULT_WORKER_PROVISION_DELAY = 0.2


def _celery_app():
    from console.celery import app

    return app


def _use_broker(url):
    """Point the test process's Celery app at ``url``, dropping pooled connections."""
    from django.conf import settings

    app = _celery_app()
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    app.conf.broker_url = url
    if app._pool is not None:
        app._pool.force_close_all()
    app._after_fork()  # forgets the app's connection and producer pools, nothing else
    # kombu keeps producer pools per broker URL too; a closed one must not come back.
    from kombu import pools

    pools.reset()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            return result
        time.sleep(interval)


def _tail(path: Path, lines: int = 80) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _slug(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:150]


# --- Reports: worker log and screenshot of failing tests --------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    if report.failed and report.when in ("call", "setup"):
        funcargs = getattr(item, "funcargs", {})
        worker = funcargs.get("celery_worker")
        if isinstance(worker, CeleryWorker):
            report.sections.append(
                (f"celery worker log (tail of {worker.log_path})", _tail(worker.log_path))
            )
        page = funcargs.get("page")
        if page is not None and report.when == "call":
            ARTIFACTS.mkdir(exist_ok=True)
            path = ARTIFACTS / f"{_slug(item.nodeid)}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                report.sections.append(("screenshot", str(path)))
            except Exception as exc:  # the page may already be gone
                report.sections.append(("screenshot", f"failed: {exc!r}"))
    return report


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Tests make many logins; the production hasher's cost is not under test."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "labs.hashers.LabLoginHasher",
    ]


@pytest.fixture(autouse=True)
def login_throttle(redis_server, settings):
    """Failed logins are counted in the test's own Redis (never in one another run on this
    machine may use), and the counters are dropped after each test."""
    import redis

    settings.LOGIN_THROTTLE_REDIS_URL = redis_server
    yield
    client = redis.Redis.from_url(redis_server)
    keys = list(client.scan_iter("login:*"))
    if keys:
        client.delete(*keys)
    client.close()


# --- Celery: eager by default ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def celery_eager(request, settings):
    """Run tasks inline with no delays, unless the test uses the real ``celery_worker``."""
    if "celery_worker" in request.fixturenames:
        yield
        return
    app = _celery_app()
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.PROVISION_DELAY = 0
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


# --- Redis -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server():
    """A private redis-server on a free loopback port for the session; yields its URL."""
    from django.conf import settings

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server not found (`make setup` installs it)")
    tmp = Path(tempfile.mkdtemp(prefix="test-redis-"))
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    # redis-server takes its options as separate argv words; "" means "no save points".
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
        + ["--dir", str(tmp), "--daemonize", "no", "--protected-mode", "no"]
        + ["--logfile", str(tmp / "redis.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.2, socket_timeout=1)

    def ping():
        try:
            return client.ping()
        except redis.ConnectionError:
            if proc.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{_tail(tmp / 'redis.log')}") from None
            return False

    if not _wait_for(ping, timeout=10):
        proc.kill()
        pytest.fail(f"redis-server did not answer on {url}:\n{_tail(tmp / 'redis.log')}")

    previous = settings.REDIS_URL, settings.CELERY_BROKER_URL
    _use_broker(url)
    try:
        yield url
    finally:
        _use_broker(previous[1])
        settings.REDIS_URL = previous[0]
        client.close()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def use_broker():
    """``use_broker(url)``: point this process's Celery app at another broker (Redis away)."""
    return _use_broker


@pytest.fixture(autouse=True, scope="session")
def live_redis(redis_server):
    """Live pages' change counters (``console.live``) and the session cache: a real Redis."""
    from django.conf import settings
    from django.test.utils import override_settings

    caches = {"default": {**settings.CACHES["default"], "LOCATION": redis_server}}
    with override_settings(CACHES=caches):
        yield redis_server


# --- Celery: a real worker ------------------------------------------------------------------


def database_url(settings_dict) -> str:
    """A DATABASE_URL for another process to open the database ``settings_dict`` describes."""
    engine = settings_dict["ENGINE"]
    name = str(settings_dict["NAME"])
    if engine == "django.db.backends.sqlite3":
        if name == ":memory:" or name.startswith("file:"):
            raise RuntimeError("the test database must be a file for a worker to share it")
        return f"sqlite:///{Path(name).resolve()}"
    if engine in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"):
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = quote(settings_dict.get("HOST") or "", safe="")
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{auth}{host}{port}/{quote(name, safe='')}"
    raise RuntimeError(f"no DATABASE_URL recipe for {engine}")


class CeleryWorker:
    """A ``celery -A console worker`` subprocess in its own process group.

    ``kill()`` simulates a crash (SIGKILL to the whole group), ``stop()`` is a warm shutdown,
    ``restart(**env)`` stops (if running) and starts again, optionally with changed env.
    """

    def __init__(self, *, app, env, log_path: Path, pool="solo", concurrency=1):
        self.app = app
        self.env = dict(env)
        self.log_path = log_path
        self.pool = pool
        self.concurrency = concurrency
        self.hostname = None
        self.proc = None
        self._log = None

    def start(self, timeout: float = 30):
        assert not self.alive, "worker already running"
        self.hostname = f"test-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        self._log = open(self.log_path, "ab")  # closed in _reap
        cmd = [sys.executable, "-m", "celery", "-A", "console", "worker"]
        cmd += ["--pool", self.pool, "--concurrency", str(self.concurrency)]
        cmd += ["-n", self.hostname, "-l", "info"]
        cmd += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not _wait_for(self.ping, timeout=timeout, interval=0.1):
            log = _tail(self.log_path)
            self.kill()
            raise RuntimeError(f"celery worker did not answer ping in {timeout}s:\n{log}")
        return self

    def ping(self, timeout: float = 0.5) -> bool:
        """True when this worker answers a control ping through Redis."""
        if not self.alive:
            return False
        replies = self.app.control.ping(destination=[self.hostname], timeout=timeout)
        return any(self.hostname in reply for reply in replies)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _signal_group(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def _reap(self, timeout):
        try:
            self.proc.wait(timeout)
        finally:
            if self._log:
                self._log.close()
                self._log = None

    def group_alive(self) -> bool:
        """True while any process of the worker's process group exists."""
        if self.proc is None:
            return False
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self):
        """SIGKILL the worker and its children at once, as a crash would."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGKILL)
        self._reap(10)
        _wait_for(lambda: not self.group_alive(), timeout=5)

    def stop(self, timeout: float = 15):
        """Warm shutdown (SIGTERM); SIGKILL if it does not exit within ``timeout``."""
        if self.proc is None:
            return
        if self.alive:
            self._signal_group(signal.SIGTERM)
            try:
                self._reap(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        else:
            self._reap(1)
        # Anything left in the group (a pool child) goes too.
        if self.group_alive():
            self._signal_group(signal.SIGKILL)
            _wait_for(lambda: not self.group_alive(), timeout=5)

    def restart(self, **env):
        """Stop (if running) and start again; keyword arguments update the environment."""
        self.stop()
        self.env.update({k: str(v) for k, v in env.items()})
        return self.start()


@pytest.fixture
def worker_provision_delay():
    """PROVISION_DELAY for the real worker; override by fixture or ``parametrize``."""
    return DEFAULT_WORKER_PROVISION_DELAY


@pytest.fixture
def celery_worker_env():
    """Extra environment for the real worker (e.g. ``{"RECONCILE_AFTER": "1"}``); override."""
    return {}


@pytest.fixture
def celery_worker(
    request, redis_server, transactional_db, settings, worker_provision_delay, celery_worker_env
):
    """A real Celery worker on the test Redis and the test database; see ``CeleryWorker``."""
    from django.db import connection

    app = _celery_app()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="console.settings",
        REDIS_URL=redis_server,
        DATABASE_URL=database_url(connection.settings_dict),
        PROVISION_DELAY=str(worker_provision_delay),
        CELERY_TASK_ALWAYS_EAGER="0",
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in celery_worker_env.items()})

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.PROVISION_DELAY = worker_provision_delay
    previous_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False

    log_dir = Path(tempfile.mkdtemp(prefix="test-celery-"))
    worker = CeleryWorker(app=app, env=env, log_path=log_dir / f"{_slug(request.node.name)}.log")
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
        app.conf.task_always_eager = previous_eager
        # Queued, unacknowledged and control messages: nothing leaks into the next test.
        import redis

        client = redis.Redis.from_url(redis_server)
        client.flushdb()
        client.close()
        failed = any(
            getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
            for when in ("setup", "call")
        )
        if not failed:
            shutil.rmtree(log_dir, ignore_errors=True)


@pytest.fixture
def celery_beat(celery_worker):
    """Celery beat beside the worker (the health checker's clock and the reconciler's), as in
    ``make run``, ticking every half second."""
    workdir = Path(tempfile.mkdtemp(prefix="test-beat-"))
    env = dict(celery_worker.env, HEALTH_CHECK_TICK="0.5")
    with open(workdir / "beat.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "console", "beat", "-l", "warning"]
            + ["-s", str(workdir / "schedule"), "--pidfile", ""],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    yield proc
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def wait_until():
    """``wait_until(predicate, timeout=10, interval=0.1)``: poll until truthy, else fail."""

    def wait(predicate, timeout=10.0, interval=0.1, message=None):
        result = _wait_for(predicate, timeout=timeout, interval=interval)
        if not result:
            pytest.fail(message or f"condition not met within {timeout}s")
        return result

    return wait


# --- Browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (sync API), headless, for the whole session."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found (`make setup-browser` installs chromium)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_context(browser):
    """``new_context(**kwargs)`` makes a browser context closed after the test."""
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("viewport", {"width": 1440, "height": 900})
        context = browser.new_context(**kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh context (no cookies)."""
    return new_context().new_page()


@pytest.fixture
def live_url(live_server):
    """Base URL of pytest-django's live server, without a trailing slash."""
    return live_server.url.rstrip("/")


@pytest.fixture
def login(live_url):
    """``login(page, username, password)``: log in through the login form."""
    from django.urls import reverse

    def do_login(page, username, password, *, expect_success=True):
        login_path = reverse("console:login")
        page.goto(live_url + login_path)
        page.get_by_label("Username", exact=True).fill(username)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Log in").click()
        if expect_success:
            page.wait_for_url(lambda url: login_path not in url)
        else:
            page.wait_for_load_state()
        return page

    return do_login


# Accounts, logins and resource builders shared by every test package.
from factories import *  # noqa: E402, F403
