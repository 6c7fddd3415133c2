"""Relative links and images in content: checked against the files, rewritten to URLs."""

from __future__ import annotations

import os
import posixpath
import re
import stat
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from urllib.parse import quote, unquote

from .messages import Message, _
from .problems import Problems
from .source import suggest

WEB_SCHEMES = {"http", "https", "mailto", "tel"}
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


class LinkResolver:
    """Check and rewrite the relative links and images of one file.

    scope_rel is the course or scenario folder (relative to the root) that
    links must stay inside; None for a single-file scenario or a snippet, which have none.
    """

    def __init__(
        self,
        *,
        root: Path,
        file_rel: str,
        scope_rel: str | None,
        scope_name: str,
        text: str,
        problems: Problems,
        page_urls: Mapping[str, str],
        asset_url: Callable[[str], str],
    ) -> None:
        self.root = root
        self.file_rel = file_rel
        self.scope_rel = scope_rel
        self.scope_name = scope_name
        self.text = text
        self.problems = problems
        self.page_urls = page_urls  # scope-relative path of a .md file -> its URL
        self.asset_url = asset_url
        self.failure: BaseException | None = None
        self._cursor = 0

    @cached_property
    def lines(self) -> list[str]:
        """The file's lines, split only when a problem needs a line number."""
        return self.text.split("\n")

    def line_of(self, needle: str) -> int:
        """The line where a link was written: search onwards from the previous hit."""
        for start in (self._cursor, 0):
            for index in range(start, len(self.lines)):
                if needle in self.lines[index]:
                    self._cursor = index
                    return index + 1
        return self._cursor + 1

    def resolve_safely(self, value: str) -> str | None:
        try:
            return self.resolve(value)
        except Exception as exc:  # noqa: BLE001 - raised again after nh3 returns
            self.failure = exc
            return None

    def _error(self, value: str, message: Message) -> None:
        self.problems.error(self.file_rel, self.line_of(value), message)

    def resolve(self, value: str) -> str | None:
        """Return the URL to use for a link or image, or None to drop it."""
        if value.startswith(("#", "//")) or not value:
            return value
        scheme = _SCHEME_RE.match(value)
        if scheme:
            # nh3 drops other schemes before calling us; unsafe_html_warnings reports them.
            return value if scheme.group(0)[:-1].lower() in WEB_SCHEMES else None
        if "\\" in value:
            self._error(value, _("link '{value}' uses '\\'; write paths with '/', like 'assets/photo.png'",
                                 value=value))
            return None
        path, _sep, fragment = value.partition("#")
        path = unquote(path.partition("?")[0])
        suffix = "#" + fragment if fragment else ""
        if not path:
            return value
        if path.startswith("/"):
            self._error(
                value,
                _("link '{value}' is an absolute path; use a path relative "
                "to this file, like 'assets/{file_name}'",
                value=value, file_name=posixpath.basename(path)),
            )
            return None
        if self.scope_rel is None and self.scope_name == "snippet":
            self._error(
                value,
                _("link '{value}' points to a file, but a snippet is shared by courses and scenarios and has no folder "
                "of its own; link to a web address, or put this link in the step or scenario itself", value=value),
            )
            return None
        if self.scope_rel is None:
            self._error(
                value,
                _("link '{value}' points to a file, but a single-file scenario has no folder of its own; "
                "make it a folder 'scenarios/<id>/scenario.md' with the file in its assets/", value=value),
            )
            return None
        target = posixpath.normpath(posixpath.join(posixpath.dirname(self.file_rel), path))
        if not target.startswith(self.scope_rel + "/"):
            self._error(
                value,
                _("link '{value}' points outside this course's folder ({scope_rel}); links must stay inside it",
                  value=value, scope_rel=self.scope_rel)
                if self.scope_name == "course" else
                _("link '{value}' points outside this scenario's folder ({scope_rel}); links must stay inside it",
                  value=value, scope_rel=self.scope_rel),
            )
            return None
        inner = target[len(self.scope_rel) + 1 :]
        problem = self._check_exists(inner, value)
        if problem:
            self._error(value, problem)
            return None
        if inner in self.page_urls:
            return self.page_urls[inner] + suffix
        if inner.startswith("assets/"):
            return self.asset_url(quote(inner[len("assets/") :], safe="/")) + suffix
        self._error(
            value,
            _("link '{value}' is neither a step of this course "
              "nor a file in its assets/ folder; move the file into assets/", value=value)
            if self.scope_name == "course" else
            _("link '{value}' is neither a step of this scenario "
              "nor a file in its assets/ folder; move the file into assets/", value=value),
        )
        return None

    def _check_exists(self, inner: str, value: str) -> Message | None:
        """Walk the path without following symlinks; say what is wrong, if anything."""
        current = self.root / self.scope_rel  # type: ignore[operator]
        parts = inner.split("/")
        for depth, part in enumerate(parts):
            current = current / part
            try:
                mode = os.lstat(current).st_mode
            except OSError:
                try:
                    siblings = [p.name for p in current.parent.iterdir()]
                except OSError:
                    siblings = []
                return _("link '{value}' points to a file that does not exist{suggestion}",
                         value=value, suggestion=suggest(part, siblings))
            if stat.S_ISLNK(mode):
                return _("link '{value}' points to a symbolic link, which is not allowed; use the real file", value=value)  # noqa: E501
            if depth == len(parts) - 1 and stat.S_ISDIR(mode):
                return _("link '{value}' points to a folder; link to a file", value=value)
        return None
