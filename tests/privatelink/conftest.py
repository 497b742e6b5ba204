"""PrivateLink test fixtures: accounts with PrivateLink activated, a throwaway PostgreSQL."""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from pl_factories import activate

from factories import make_account


@pytest.fixture
def account_a(catalogue):
    return activate(make_account("Account A"))


@pytest.fixture
def account_b(catalogue):
    return activate(make_account("Account B"))


# --- a throwaway PostgreSQL for the concurrency tests ----------------------------------------

PG_BIN_DIRS = [
    "/usr/lib/postgresql/15/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/17/bin",
]


def _pg_binary(name):
    for directory in PG_BIN_DIRS:
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    return shutil.which(name)


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL cluster in a temporary directory on a free port, for the session.

    Runs as the ``postgres`` (or ``nobody``) user when the tests run as root, since
    PostgreSQL refuses to run as root. Yields a DATABASE_URL for a superuser.
    """
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries are not installed (Debian: postgresql-15)")
    tmp = Path(tempfile.mkdtemp(prefix="test-postgres-"))
    data, sockets, log = tmp / "data", tmp / "sock", tmp / "postgres.log"
    sockets.mkdir()
    prefix = []
    if os.geteuid() == 0:
        user = "postgres" if _has_user("postgres") else "nobody"
        prefix = ["runuser", "-u", user, "--"]
        os.chmod(tmp, 0o755)
        shutil.chown(tmp, user)
        shutil.chown(sockets, user)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def run(*args):
        return subprocess.run(prefix + list(args), capture_output=True, text=True, timeout=120)

    made = run(initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
    if made.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.fail(f"initdb failed:\n{made.stdout}\n{made.stderr}")
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
    )
    started = run(pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start")
    if started.returncode != 0:
        text = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start:\n{started.stdout}\n{started.stderr}\n{text}")
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/privatelink"
    finally:
        run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(tmp, ignore_errors=True)


def _has_user(name):
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
