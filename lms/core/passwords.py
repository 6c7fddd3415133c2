"""Password hashing with argon2id; passphrases of any length and script are welcome.

The cost is a deliberate choice: OWASP's argon2id minimum (19 MiB, t=2, p=1)
costs about a sixth of argon2-cffi's default profile, so a cohort logging in
together at 7 pm does not queue, and it is still far beyond what a stolen
database can be attacked with cheaply. Hashes made with other parameters are
upgraded at the next login (`needs_rehash`). The test suite alone may choose
a deliberately weak profile (`PASSWORD_HASHING = "fast-for-tests"`), which the
configuration refuses outside testing.
"""
from __future__ import annotations

import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app, has_app_context

#: The profiles a deployment may choose by name (the PASSWORD_HASHING setting).
PROFILES: dict[str, dict[str, int]] = {
    "standard": {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1},
    # 8 KiB, one pass: fast enough that the suite's thousand logins cost nothing.
    "fast-for-tests": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
}
TESTING_ONLY_PROFILES = {"fast-for-tests"}
_EXTENSION_KEY = "lms.password_profile"


@cache
def _hasher(profile: str) -> PasswordHasher:
    params = PROFILES[profile]
    return PasswordHasher(time_cost=params["time_cost"], memory_cost=params["memory_cost"],
                          parallelism=params["parallelism"])


@cache
def _dummy_hash(profile: str) -> str:
    # Verifying against this costs the same as against a real hash, so that a
    # login for an unknown email takes as long as one for a known email.
    return _hasher(profile).hash("not a real password")


def init_app(app: Flask) -> None:
    """Use the app's configured profile (validated by lms.core.config) for its requests and commands."""
    app.extensions[_EXTENSION_KEY] = app.config.get("PASSWORD_HASHING") or "standard"


def _profile() -> str:
    return current_app.extensions.get(_EXTENSION_KEY, "standard") if has_app_context() else "standard"


def _normalise(password: str) -> str:
    # The same passphrase typed on a phone and a desktop may arrive composed
    # differently (é as one code point or two).
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """Hash a password for storage with the app's profile."""
    return _hasher(_profile()).hash(_normalise(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, spend the same time and fail."""
    profile = _profile()
    try:
        return (_hasher(profile).verify(stored_hash or _dummy_hash(profile), _normalise(password))
                and stored_hash is not None)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with other parameters than the app's profile (it is then upgraded)."""
    return _hasher(_profile()).check_needs_rehash(stored_hash)
