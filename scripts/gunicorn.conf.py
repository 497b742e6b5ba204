"""Gunicorn settings of the class server (scripts/run.sh); every value comes from the
environment that run.sh documents.

Each process is an event loop (uvicorn) serving console.asgi: a live page's event stream is a
coroutine there, so 60 open pages cost no thread and no CPU while nothing changes; every other
request runs Django on the process's WEB_THREADS (4) threads (a request mostly waits on the
database or Redis, and threads share one copy of Django per process).
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
worker_class = "console.asgi.Worker"
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, os.cpu_count() or 1))
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
