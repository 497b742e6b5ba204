"""A cheaper hasher for generated class logins, and the backend that keeps them on it.

Their passwords are printed on the class sheet (and kept for it), so a slow hash protects
nothing there; it would only make starting and logging in a class of 60 take minutes. Logins
that people choose keep Django's default hasher (the first of ``PASSWORD_HASHERS``).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password


class LabLoginHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_lab"
    iterations = 2_000


def is_lab_hash(encoded):
    return bool(encoded) and encoded.startswith(f"{LabLoginHasher.algorithm}$")


class LabLoginBackend(ModelBackend):
    """Django's model backend, except that a class login stays on ``LabLoginHasher``.

    ``User.check_password`` re-hashes every password whose hasher is not the preferred (first)
    one, so a class login would be upgraded to the default's million iterations on its first
    login and cost that on every later one. Here a lab hash is checked with the lab hasher as
    the preferred one: it is only re-hashed (with the lab hasher) when its iterations change.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            # With its console login (role, account) in the same query: the login that follows
            # reads both (its lab's region, the page it opens on).
            user = user_model._default_manager.select_related("login").get(
                **{user_model.USERNAME_FIELD: username}
            )
        except user_model.DoesNotExist:
            # Same cost as a wrong password for a chosen login (no timing oracle).
            user_model().set_password(password)
            return None
        if self.password_matches(user, password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The session's user, with its console login and that login's account in the same
        query (every request reads them, see ``console.middleware``)."""
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("login__account").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    @staticmethod
    def password_matches(user, password):
        if not is_lab_hash(user.password):
            return user.check_password(password)

        def setter(raw_password):
            user.password = make_password(raw_password, hasher=LabLoginHasher.algorithm)
            user.save(update_fields=["password"])

        return check_password(password, user.password, setter, LabLoginHasher.algorithm)
