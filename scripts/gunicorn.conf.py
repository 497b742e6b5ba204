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
# A process takes a connection only when one of its threads is free: the others wait in the
# listen queue for whichever process frees up first, and a process that dies loses only the
# requests it was serving.
worker_connections = threads
# No keep-alive: a kept connection stays with the process that accepted it, and when a whole
# class logs in at once one process took most of them (measured: 54 s of CPU against 4 s over
# two minutes). One request per connection spreads the class over every process; on a LAN a
# new connection costs well under a millisecond.
keepalive = 0
timeout = 30
graceful_timeout = 10
# Loading Django once in the master shares its memory with every worker and makes a worker
# that dies come back at once.
preload_app = True
loglevel = os.environ.get("LOG_LEVEL", "warning").lower()
errorlog = "-"
accesslog = "-" if os.environ.get("ACCESS_LOG", "") in {"1", "true", "yes", "on"} else None
proc_name = "console-web"
