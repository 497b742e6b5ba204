"""Gunicorn settings of the class server (scripts/run.sh); every value comes from the
environment that run.sh documents.

Threads (gthread) rather than more processes: a request mostly waits on the database or
Redis, and threads share one copy of Django per process.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, os.cpu_count() or 1))
threads = int(os.environ.get("WEB_THREADS") or 4)
# A class's pages are live: keep the browser's connection open between polls.
keepalive = 5
timeout = 30
graceful_timeout = 10
# Loading Django once in the master shares its memory with every worker and makes a worker
# that dies come back at once.
preload_app = True
loglevel = os.environ.get("LOG_LEVEL", "warning").lower()
errorlog = "-"
accesslog = "-" if os.environ.get("ACCESS_LOG", "") in {"1", "true", "yes", "on"} else None
proc_name = "console-web"
