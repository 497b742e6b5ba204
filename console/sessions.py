"""Sessions: Django's ``cached_db`` (read from Redis, written to Redis and the database), with a
login that writes its session once instead of twice.

On login Django cycles the session key: ``create()`` inserts an empty row under the new key at
once, and the end of the request updates that row with the login's data. Two write transactions,
and on SQLite every write takes the database's single write lock: when a whole class logs in at
once those extra writes queue behind each other (measured with the class benchmark). Here the
new key is only drawn (not looked up: the insert at the end of the request is what finds a key
already taken, and then draws another) and its row is inserted, with the data, by that save.
"""

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.utils.crypto import get_random_string


class SessionStore(cached_db.SessionStore):
    """``cached_db`` whose cycled key is written once, by the save at the end of the request."""

    _unwritten = False

    def cycle_key(self):
        data = self._session
        key = self.session_key
        self._session_key = get_random_string(32, VALID_KEY_CHARS)
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
                super().save(must_create=True)
            except CreateError:
                # Taken meanwhile (the key was unused a moment ago): another key, as create().
                self._session_key = self._get_new_session_key()
                continue
            self._unwritten = False
            return
