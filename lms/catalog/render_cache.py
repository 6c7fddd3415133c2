"""The content's files on disk: read units kept between loads, and each unit's last working version.

`DiskUnitCache` is the `lms.content.render_cache.UnitCache` the app injects: one file
a unit in a folder (the instance folder's `render-cache/` unless RENDER_CACHE_DIR
says otherwise) shared by every worker, and by the next start, HUP or reload. A
restart with unchanged files then costs a small part of a cold load.

Entries are pickles, so each is signed with an HMAC of the app's SECRET_KEY and an
entry that fails the check (damaged, or written by anyone else) is a miss: the
folder is never trusted to run code. Writes go to a temporary file first and are
renamed into place, so a worker never reads half an entry.

`LastGood` keeps the last working version of each course and scenario, so a broken
edit never takes a live course down, even after a restart (the catalogue keeps the
previous version in memory while it runs; this is the same promise across restarts).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
_MAC = 32


class DiskUnitCache:
    """Signed entries in a folder: `get`/`put` of bytes by key (a hex digest)."""

    def __init__(self, folder: Path, secret: str) -> None:
        self.folder = folder
        self._key = hashlib.sha256(b"lms render cache\0" + secret.encode()).digest()
        self.writable = True
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("content cache: cannot use %s (%s); loading without it", folder, exc)
            self.writable = False

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.bin"

    def _sign(self, data: bytes) -> bytes:
        return hmac.new(self._key, data, hashlib.sha256).digest()

    def get(self, key: str) -> bytes | None:
        try:
            raw = self._path(key).read_bytes()
        except OSError:
            return None
        mac, data = raw[:_MAC], raw[_MAC:]
        return data if len(mac) == _MAC and hmac.compare_digest(mac, self._sign(data)) else None

    def put(self, key: str, data: bytes) -> None:
        if not self.writable:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(self._sign(data) + data)
            os.replace(temporary, path)
        except OSError as exc:  # a full disk costs speed, never a load
            log.warning("content cache: cannot write %s (%s)", path, exc)


class LastGood:
    """The last working version of each course and scenario, kept in a DiskUnitCache."""

    def __init__(self, cache: DiskUnitCache, root: Path) -> None:
        self.cache = cache
        self.root = str(root.resolve())  # another content folder keeps versions of its own

    def _entry(self, kind: str, unit_id: str) -> str:
        return hashlib.sha256(f"last-good\0{self.root}\0{kind}\0{unit_id}".encode()).hexdigest()

    def remember(self, kind: str, unit_id: str, value: Any) -> None:
        """Keep `value` as the working version of the unit (written only when it differs from what is kept).

        Compared with what is on disk every time, not with what this process wrote last: another worker or
        server may have kept a newer version since (an edit, then the edit undone).
        """
        entry = self._entry(kind, unit_id)
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if self.cache.get(entry) != data:
            self.cache.put(entry, data)

    def recall(self, kind: str, unit_id: str) -> Any | None:
        """The unit's last working version, or None if none was kept (or it no longer loads)."""
        data = self.cache.get(self._entry(kind, unit_id))
        if data is None:
            return None
        try:
            return pickle.loads(data)  # noqa: S301 - signed by this site's secret key
        except Exception:  # noqa: BLE001 - written by older code: nothing to fall back on
            return None
