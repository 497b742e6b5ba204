"""Multi-step wizards whose state lives in the session, keyed by a wizard token.

Nothing reaches the database before the last step's Submit: refreshing a step or going back
shows what was entered, an abandoned wizard leaves no rows, and the token makes a double
Submit create one object (the service looks the token up).
"""

import secrets
import time

SESSION_PREFIX = "lb-wizard:"
MAX_OPEN = 8  # the oldest abandoned wizards of a session are dropped beyond this
MAX_AGE = 6 * 3600


class WizardState:
    def __init__(self, request, token, state):
        self.request = request
        self.token = token
        self.state = state

    @classmethod
    def start(cls, request, kind, owner_id):
        cls.prune(request)
        token = secrets.token_urlsafe(12)
        state = {"kind": kind, "owner": owner_id, "started": time.time(), "data": {}}
        request.session[SESSION_PREFIX + token] = state
        return cls(request, token, state)

    @classmethod
    def load(cls, request, kind, owner_id, token):
        """The wizard ``token`` of this session for ``owner_id``, or ``None``."""
        state = request.session.get(SESSION_PREFIX + token)
        if not state or state.get("kind") != kind or state.get("owner") != owner_id:
            return None
        return cls(request, token, state)

    @classmethod
    def prune(cls, request):
        now = time.time()
        keys = sorted(
            (k for k in request.session.keys() if k.startswith(SESSION_PREFIX)),
            key=lambda k: request.session[k].get("started", 0),
        )
        for key in keys:
            if now - request.session[key].get("started", 0) > MAX_AGE:
                del request.session[key]
        keys = [k for k in keys if k in request.session]
        for key in keys[: max(0, len(keys) - MAX_OPEN + 1)]:
            del request.session[key]

    @property
    def data(self):
        return self.state["data"]

    def get(self, key, default=None):
        return self.data.get(key, default)

    def set(self, key, value):
        self.data[key] = value
        self.save()

    def save(self):
        self.request.session[SESSION_PREFIX + self.token] = self.state
        self.request.session.modified = True

    @property
    def done(self):
        return self.state.get("done")

    def finish(self, result_id):
        self.state["done"] = result_id
        self.save()
