"""What API tests share: the lab's region and zone, and polling until a state settles."""

import time

REGION = "eu-central-1"
ZONE = "eu-central-1b"


def poll(read, done, timeout=60.0, interval=0.2):
    """Call ``read()`` until ``done(value)``; the value, or an AssertionError naming it."""
    deadline = time.monotonic() + timeout
    value = read()
    while not done(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"not settled within {timeout}s: {value}")
        time.sleep(interval)
        value = read()
    return value
