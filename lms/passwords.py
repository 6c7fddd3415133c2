"""Password hashing with argon2id; passphrases of any length and script are welcome."""
from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile

# Verifying against this costs the same as against a real hash, so that a
# login for an unknown email takes as long as one for a known email.
_DUMMY_HASH = _hasher.hash("not a real password")


def _normalise(password: str) -> str:
    # The same passphrase typed on a phone and a desktop may arrive composed
    # differently (é as one code point or two).
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher.hash(_normalise(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, spend the same time and fail."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, _normalise(password)) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)
