"""At most RATE requests per second per AccessKey (then ``Throttling.User``).

A fixed one-second window per key, kept in the process's memory: it costs no query, and a
refusal is recorded nowhere. Each web process counts on its own.
"""

import threading
import time

from .errors import ApiError

RATE = 50
_lock = threading.Lock()
_windows: dict[str, tuple[int, int]] = {}


def take(key_id, now=None):
    """Count one request of ``key_id``; refuse the one over the rate in this second."""
    second = int(now if now is not None else time.monotonic())
    with _lock:
        window, count = _windows.get(key_id, (second, 0))
        if window != second:
            window, count = second, 0
        if count >= RATE:
            raise ApiError(
                "Throttling.User",
                f"Request was denied due to user flow control: at most {RATE} requests per "
                "second per AccessKey.",
            )
        _windows[key_id] = (window, count + 1)
        if len(_windows) > 10_000:
            _windows.clear()


def reset():
    with _lock:
        _windows.clear()
