"""Reading a course or scenario once: a cache of read units keyed by their files' content.

Pure: this module decides *what* a unit's result depends on and turns results into
bytes and back; *where* the bytes live (a folder shared by the workers) is the
caller's `UnitCache`, injected by the app (lms.catalog), so lms.content stays free
of the web stack.

A unit's key is a SHA-256 over everything its reading depends on:
- RENDERER_VERSION: this package's own source and the versions of the Markdown
  libraries, so new code or a new library never serves an old rendering;
- the kind and id, and every file under the unit (relative path and content hash);
- the snippets folder (its files' content hashes), the organisation values (and the
  lines of empty ones, which their errors name), the
  support contacts (in every language given), the originals' language, the URL
  scheme, the render budget and, when given, today's date (review warnings depend on it).
Links are checked only inside a unit's own folder (links.py), so nothing else can
change what reading a unit gives.

Reading a unit also records which organisation variables it used (and which had no
value) and which of its files list the support contacts; a cached entry carries those
records and replays them, so the trainers' content page (and the contacts shown to a
reader in another language, contacts.py) are the same after a warm load as after a cold one.
"""
from __future__ import annotations

import contextlib
import copyreg
import hashlib
import importlib.metadata
import os
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from .org import OrgVariables
from .reading import Unit


def read_only(mapping: dict) -> MappingProxyType:
    """Rebuild a read-only mapping from a pickle."""
    return MappingProxyType(mapping)


# Read units hold read-only mappings; pickle them as the dicts they wrap.
copyreg.pickle(MappingProxyType, lambda proxy: (read_only, (dict(proxy),)))

_PACKAGE = Path(__file__).resolve().parent
_LIBRARIES = ("markdown", "nh3", "pymdown-extensions", "PyYAML")


class UnitCache(Protocol):
    """Where cached units live; bytes in, bytes out. A miss or a broken entry returns None."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...


def _renderer_version() -> str:
    digest = hashlib.sha256(b"lms.content unit cache 1\n")
    for path in sorted(_PACKAGE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}={importlib.metadata.version(name)}\n".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name}=none\n".encode())
    return digest.hexdigest()


_version: str | None = None


def renderer_version() -> str:
    """A digest of the code that reads content: any change to it makes every key new."""
    global _version
    if _version is None:
        _version = _renderer_version()
    return _version


def _files(path: Path) -> Iterable[tuple[str, Path]]:
    """Every regular file under path (path itself if it is a file), symlinks not followed."""
    if path.is_file():
        yield path.name, path
        return
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for name in sorted(filenames):
            full = Path(dirpath) / name
            yield full.relative_to(path).as_posix(), full


def tree_digest(path: Path) -> str:
    """The content hashes of every file under path, with their relative paths."""
    digest = hashlib.sha256()
    if not os.path.lexists(path):
        return "absent"
    for rel, full in _files(path):
        digest.update(rel.encode() + b"\0")
        try:
            digest.update(hashlib.sha256(full.read_bytes()).digest() if not full.is_symlink() else b"symlink")
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


class CachedReading:
    """Reads units through a UnitCache for one load: same results, most of them without rendering."""

    def __init__(self, cache: UnitCache, root: Path, org: OrgVariables, context: str) -> None:
        self.cache, self.org = cache, org
        self.shared = hashlib.sha256(
            "\0".join((renderer_version(), context, tree_digest(root / "_snippets"),
                       repr(sorted(org.values.items())), repr(sorted((language, sorted(values.items()))
                                                                     for language, values in org.wording.items())),
                       repr(sorted((language, sorted(values.items()))
                                   for language, values in org.site_wording.items())),
                       repr(org.contacts), repr(sorted(org.contacts_wording.items())),
                       repr(org.original_language), repr(org.empty_lines()))).encode()).hexdigest()
        self.hits = self.misses = 0

    def key(self, kind: str, unit_id: str, paths: Iterable[Path]) -> str:
        digest = hashlib.sha256(f"{self.shared}\0{kind}\0{unit_id}".encode())
        for path in paths:
            digest.update(b"\0" + path.name.encode() + b"\0" + tree_digest(path).encode())
        return digest.hexdigest()

    def read(self, key: str, read: Callable[[], Unit]) -> Unit:
        """The unit from the cache, or read now and stored."""
        data = self.cache.get(key)
        if data is not None:
            try:
                unit, used, missing, contacts = pickle.loads(data)  # noqa: S301 - our own entries, checked by the cache
            except Exception:  # noqa: BLE001 - a stale or damaged entry is a miss
                unit = None
            if isinstance(unit, Unit):
                self._replay(used, missing, contacts)
                self.hits += 1
                return unit
        before_used = {name: list(files) for name, files in self.org.used.items()}
        before_missing = list(self.org.missing)
        before_contacts = set(self.org.contacts_used)
        unit = read()
        used = {name: [f for f in files if f not in before_used.get(name, [])]
                for name, files in self.org.used.items()}
        missing = [name for name in self.org.missing if name not in before_missing]
        contacts = sorted(self.org.contacts_used - before_contacts)
        self.misses += 1
        with contextlib.suppress(pickle.PicklingError, TypeError, AttributeError):  # then it is simply not cached
            self.cache.put(key, pickle.dumps((unit, {k: v for k, v in used.items() if v}, missing, contacts),
                                             protocol=pickle.HIGHEST_PROTOCOL))
        return unit

    def _replay(self, used: dict[str, list[str]], missing: list[str], contacts: list[str]) -> None:
        for name, files in used.items():
            known = self.org.used.setdefault(name, [])
            known.extend(f for f in files if f not in known)
        self.org.missing.extend(name for name in missing if name not in self.org.missing)
        self.org.contacts_used.update(contacts)
