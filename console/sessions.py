"""Sessions: Django's ``cached_db`` (read from Redis, written to Redis and the database), with a
login that writes its session once instead of twice.

On login Django cycles the session key: ``create()`` inserts an empty row under the new key at
once, and the end of the request updates that row with the login's data. Two write transactions,
and on SQLite every write takes the database's single write lock: when a whole class logs in at
once those extra writes queue behind each other (measured with the class benchmark). Here the
new key is only drawn (not looked up: the insert at the end of the request is what finds a key
already taken, and then draws another) and its row is inserted, with the data, by that save.

The login's ``last_login`` is written in that same transaction: Django's own receiver
(``update_last_login``) would be one more write transaction, before it. A class logging in at
once is 60 logins in a second on SQLite's one write lock, and a writer that finds the lock taken
sleeps in growing steps (1, 2, 5 … 100 ms) before it tries again.
"""

from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string


class SessionStore(cached_db.SessionStore):
    """``cached_db`` whose cycled key is written once, by the save at the end of the request."""

    _unwritten = False
    _last_login = None  # (user model, pk, when): written with the cycled key's row

    @staticmethod
    def _drawn_key():
        """A new key, not looked up: the INSERT of :meth:`save` finds one already taken."""
        return get_random_string(32, VALID_KEY_CHARS)

    def cycle_key(self):
        data = self._session
        key = self.session_key
        self._session_key = self._drawn_key()
        self._session_cache = data
        self._unwritten = True
        self.modified = True
        if key:
            self.delete(key)

    def save(self, must_create=False):
        if not self._unwritten:
            return super().save(must_create)
        while True:
            try:
                with transaction.atomic():
                    super().save(must_create=True)
                    if self._last_login is not None:
                        model, pk, when = self._last_login
                        model._default_manager.filter(pk=pk).update(last_login=when)
            except CreateError:
                # Taken: draw another.
                self._session_key = self._drawn_key()
                continue
            self._unwritten = False
            self._last_login = None
            return


def record_last_login(sender, request, user, **kwargs):
    """``last_login`` of a login, written with its session's row (see above); at once when the
    login has no such session (Django's ``update_last_login`` does that for every login)."""
    user.last_login = timezone.now()
    session = getattr(request, "session", None)
    if isinstance(session, SessionStore) and session._unwritten:
        session._last_login = (type(user), user.pk, user.last_login)
    else:
        type(user)._default_manager.filter(pk=user.pk).update(last_login=user.last_login)


def write_last_login_with_the_session():
    """Put :func:`record_last_login` in place of Django's receiver (``ConsoleConfig.ready``;
    django.contrib.auth, listed first, connected its own before)."""
    user_logged_in.disconnect(dispatch_uid="update_last_login")
    user_logged_in.connect(record_last_login, dispatch_uid="console.sessions.last_login")
