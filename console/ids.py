"""Resource IDs: a prefix and 17 random lowercase letters and digits, as the cloud does."""

import secrets
import string

ALPHABET = string.ascii_lowercase + string.digits
ID_LENGTH = 17


def generate_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))


def generate_uid() -> str:
    """A 16-digit account UID that never starts with 0."""
    return str(secrets.randbelow(9 * 10**15) + 10**15)
