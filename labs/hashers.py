"""A cheaper hasher for generated class logins.

Their passwords are printed on the class sheet (and kept for it), so a slow hash protects
nothing there; it would only make starting a class of 60 take minutes. Logins that people
choose keep Django's default hasher.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class LabLoginHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_lab"
    iterations = 2_000
