"""Whose request runs next when a web process is full (``console.asgi``).

A process runs at most as many Django requests at once as it has threads; the others wait
for a turn. When a whole class logs in at once, every trainee asks in a chain: the login
form, the login, the first page, its lab panel. Served first come, first served, the 60
chains share the CPU, and every request of every chain waits for most of the class (on 2
cores about 60 × 10 ms ÷ 2 = 300 ms, four times over). A login that waits behind the pages of
trainees already in finishes their chains first: they are working while the rest of the class
waits once, at the login.

So a waiting login (the login form's POST) gets a turn only when no other request waits, or
when it has waited ``patience`` seconds (a busy class never shuts a latecomer out). Everything
else, the login form itself too, takes turns in arrival order. With a free thread, nobody
waits.
"""

import asyncio
from collections import deque


class Turns:
    """At most ``size`` holders at once; see the module's docstring for the order."""

    def __init__(self, size: int, patience: float):
        self.size, self.patience = size, patience
        self.inside = 0
        self.first: deque = deque()  # (since, future) of requests served in arrival order
        self.later: deque = deque()  # the same for logins

    def waiting(self) -> int:
        return len(self.first) + len(self.later)

    async def enter(self, later: bool = False) -> None:
        """Wait for a turn; ``leave()`` gives it back (also when the request failed)."""
        if self.inside < self.size and not self.waiting():
            self.inside += 1
            return
        loop = asyncio.get_running_loop()
        entry = (loop.time(), loop.create_future())
        queue = self.later if later else self.first
        queue.append(entry)
        try:
            await entry[1]
        except asyncio.CancelledError:
            if entry[1].done() and not entry[1].cancelled():
                self.leave()  # the turn came as the request went away: pass it on
            elif entry in queue:
                queue.remove(entry)
            raise

    def leave(self) -> None:
        self.inside -= 1
        self._hand_on()

    def _hand_on(self) -> None:
        while self.inside < self.size:
            entry = self._next()
            if entry is None:
                return
            if entry[1].done():  # its request went away while waiting
                continue
            self.inside += 1
            entry[1].set_result(None)

    def _next(self):
        if self.later and (
            not self.first or asyncio.get_running_loop().time() - self.later[0][0] >= self.patience
        ):
            return self.later.popleft()
        return self.first.popleft() if self.first else None
