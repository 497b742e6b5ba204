"""Settings for the PrivateLink console.

Everything that differs between a laptop, CI and a production-style server comes from the
environment, with safe local defaults (SQLite, Redis on the project's own port).
"""

import os
import tempfile
import warnings
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_float(name, default):
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


PRODUCTION = env_bool("PRODUCTION")
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "" if PRODUCTION else "local-development-key-not-for-production-use-0123456789abcdef"
)
if PRODUCTION and not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when PRODUCTION=1")

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "console",
    "loadbalancer",
    "privatelink",
    "labs",
    "network",
    "cloudapi",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Answers unchanged live polls before sessions and auth touch the database.
    "console.live.LiveMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "console.middleware.ConsoleContextMiddleware",
]

ROOT_URLCONF = "console.root_urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.console",
                "labs.context_processors.lab",
            ],
            "builtins": ["console.templatetags.console_tags"],
        },
    },
]

WSGI_APPLICATION = "console.wsgi.application"

# SQLite by default. WAL and IMMEDIATE transactions let the web process, the Celery worker
# and the tests write to one file concurrently; a writer waits instead of failing.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # A kept connection is checked before a request reuses it (a restarted PostgreSQL).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that a real Celery worker can share the test database.
    DATABASES["default"]["TEST"] = {
        # One file per test run, so that concurrent runs on one machine never share it.
        "NAME": os.environ.get(
            "TEST_SQLITE_PATH",
            os.path.join(tempfile.gettempdir(), f"privatelink-console-test-{os.getpid()}.sqlite3"),
        )
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = []
# The default (first) hasher is Django's strong one, for the passwords people choose; class
# logins are made with LabLoginHasher and LabLoginBackend keeps them on it (labs/hashers.py).
AUTHENTICATION_BACKENDS = ["labs.hashers.LabLoginBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "labs.hashers.LabLoginHasher",
]
LOGIN_URL = "console:login"
# Login throttling per username (console/throttle.py): this many failures within the window
# (seconds) lock the username for LOGIN_LOCKOUT seconds, or until an instructor unlocks it.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", "900"))
LOGIN_LOCKOUT = int(os.environ.get("LOGIN_LOCKOUT", "900"))
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "console:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# The class server (scripts/run.sh) and production collect the static files first: whitenoise
# then serves them compressed, under hashed names the browser caches for a year.
STATIC_COLLECTED = PRODUCTION or env_bool("STATIC_COLLECTED")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_COLLECTED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Without a collected folder (development, tests, whatever DEBUG) whitenoise serves from the
# finders.
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
if not STATIC_COLLECTED:
    warnings.filterwarnings("ignore", message="No directory at")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Celery ---------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6380/0")
# Sessions read from Redis (no database query per request) and fall back to the database.
CACHES = {
    "default": {
        "BACKEND": "console.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "console",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
    }
}
# cached_db, except that a login writes its session once, not twice (console/sessions.py).
SESSION_ENGINE = "console.sessions"
CELERY_BROKER_URL = REDIS_URL
# Where failed logins are counted (console/throttle.py); the same Redis unless set.
LOGIN_THROTTLE_REDIS_URL = os.environ.get("LOGIN_THROTTLE_REDIS_URL") or REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A page that hands work to the worker waits at most ~0.3 s for an unreachable Redis.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.2,
}
# A task held by a worker that died is handed out again after this many seconds; the
# reconciler finishes anything that stays stuck meanwhile.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
}
CELERY_TIMEZONE = "UTC"

# Simulated provisioning: seconds per asynchronous step (creating, starting, stopping...).
PROVISION_DELAY = env_float("PROVISION_DELAY", 2.0)
FAST_PROVISION_DELAY = env_float("FAST_PROVISION_DELAY", 0.3)
# A demo account's privilege ticket is approved by itself after this many seconds.
TICKET_APPROVAL_DELAY = env_float("TICKET_APPROVAL_DELAY", 5.0)
# A resource still in a transitional state this long after its last change is finished by
# the reconciler (for example after a worker was killed mid-task).
RECONCILE_AFTER = env_float("RECONCILE_AFTER", 30.0)
RECONCILE_INTERVAL = env_float("RECONCILE_INTERVAL", 10.0)
# How often a transitional status badge asks for news, in milliseconds.
STATUS_POLL_MS = int(os.environ.get("STATUS_POLL_MS", "750"))
# A live poll's "unchanged" answer trusts its snapshot this long (bounds a lost change signal).
LIVE_MAX_AGE = env_float("LIVE_MAX_AGE", 30.0)
# With its event stream open a page polls its live fragments only this often (milliseconds):
# a safety net, since every change arrives as an event (console.live, static/js/console.js).
LIVE_FALLBACK_MS = int(os.environ.get("LIVE_FALLBACK_MS", "25000"))
# The event stream: a comment line this often (seconds) notices closed connections; the
# server ends a stream after LIVE_STREAM_LIFETIME and the page opens a new one with its
# current tokens, which are accepted up to LIVE_STREAM_MAX_AGE old.
LIVE_HEARTBEAT = env_float("LIVE_HEARTBEAT", 25.0)
LIVE_STREAM_LIFETIME = env_float("LIVE_STREAM_LIFETIME", 600.0)
LIVE_STREAM_MAX_AGE = env_float("LIVE_STREAM_MAX_AGE", 3600.0)

# Seconds between the health checker's ticks; each tick probes what its interval makes due.
HEALTH_CHECK_TICK = env_float("HEALTH_CHECK_TICK", 1.0)

CELERY_BEAT_SCHEDULE = {
    "reconcile-stuck-resources": {
        "task": "console.tasks.reconcile_stuck_resources",
        "schedule": RECONCILE_INTERVAL,
    },
    "health-check-tick": {
        "task": "loadbalancer.tasks.health_check_tick",
        "schedule": HEALTH_CHECK_TICK,
    },
    # The API's replay protection forgets nonces past the window.
    "purge-api-nonces": {"task": "cloudapi.tasks.purge_nonces", "schedule": 300.0},
}

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-password")

# --- Production mode (gunicorn behind a TLS proxy) ------------------------------------
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING").upper()},
}
