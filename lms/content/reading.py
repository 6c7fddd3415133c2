"""What every reader of a content unit shares: walking folders safely, reading a file, guarding against bugs.

Symlinks are never followed and nothing outside the root is read.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .course import Course
from .frontmatter import Document, Fields, split_document
from .links import LinkResolver
from .messages import Message, _
from .org import OrgVariables
from .problems import Problems
from .render import RenderTooSlow
from .scenario import Scenario
from .source import SourceFile, is_draft, read_source

if TYPE_CHECKING:
    from .snippets import SnippetUse


@dataclass
class Ref:
    """A reference to check once everything is read."""

    rel: str
    line: int
    target: str


@dataclass
class Unit:
    """One course or scenario being read: its problems and, if it parsed, the object."""

    id: str
    rel: str
    problems: Problems = field(default_factory=Problems)
    value: Course | Scenario | None = None
    requires: list[Ref] = field(default_factory=list)
    scenario_refs: list[Ref] = field(default_factory=list)
    snippet_uses: list[SnippetUse] = field(default_factory=list)  # its '{{> NAME }}' lines (7.5)
    # Problems of its translations (FORMAT.md 8): a broken translation is left out, never its original.
    translation_problems: Problems = field(default_factory=Problems)

    @property
    def valid(self) -> bool:
        return self.value is not None and not self.problems.has_errors


# ---------------------------------------------------------------- walking


def rel_path(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def entries(folder: Path, rel: str, problems: Problems) -> Iterator[os.DirEntry[str]]:
    """Non-draft entries of a folder, sorted by name; symlinks are reported, never followed."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        problems.error(rel, 0, _("cannot read this folder: {reason}", reason=exc.strerror or str(exc)))
        return
    for entry in entries:
        if is_draft(entry.name):
            continue
        if entry.is_symlink():
            problems.error(
                f"{rel}/{entry.name}", 0,
                _("symbolic links are not allowed; replace the link with the real file or folder"),
            )
            continue
        yield entry


def top_folder(root: Path, name: str, problems: Problems) -> Path | None:
    path = root / name
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        problems.error(name, 0, _("symbolic links are not allowed; make this a real folder"))
        return None
    if not stat.S_ISDIR(mode):
        problems.error(name, 0, _("'{name}' should be a folder", name=name))
        return None
    return path


def walk_assets(folder: Path, rel: str, problems: Problems) -> Iterator[tuple[str, Path]]:
    """(path relative to the owner folder, path) of every asset file; symlinks are errors."""
    stack = [(folder, rel, "assets")]
    while stack:
        current, current_rel, inner = stack.pop()
        for entry in entries(current, current_rel, problems):
            if entry.is_dir(follow_symlinks=False):
                stack.append((Path(entry.path), f"{current_rel}/{entry.name}", f"{inner}/{entry.name}"))
            elif entry.is_file(follow_symlinks=False):
                yield f"{inner}/{entry.name}", Path(entry.path)


def hash_file(digest: hashlib._Hash, path: Path) -> None:
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)


# ---------------------------------------------------------------- shared file reading


def read_markdown(
    root: Path, path: Path, problems: Problems, org: OrgVariables | None = None,
    snippet_uses: list[SnippetUse] | None = None,
) -> tuple[SourceFile, Document] | None:
    """Read a file and split its front matter.

    With `org`, its body's variables are substituted and its snippets included
    (7.5), each include recorded in `snippet_uses` (without it, an include is an error).
    """
    rel = rel_path(root, path)
    source = read_source(path, rel, problems)
    if source is None:
        return None
    doc = split_document(source.text, rel, problems)
    if org is not None and ("{" in doc.body or "}" in doc.body):
        doc = Document(
            doc.meta, org.substitute(doc.body, rel, doc.body_line, problems, snippet_uses=snippet_uses), doc.body_line,
        )
    return source, doc


def make_resolver(
    root: Path, source: SourceFile, scope_rel: str | None, scope_name: str, problems: Problems,
    page_urls: Mapping[str, str], asset_url: Callable[[str], str],
) -> LinkResolver:
    return LinkResolver(
        root=root, file_rel=source.rel, scope_rel=scope_rel, scope_name=scope_name,
        text=source.text, problems=problems, page_urls=page_urls, asset_url=asset_url,
    )


def too_slow_message(budget: float) -> Message:
    """What to say about a file whose Markdown did not render within the budget."""
    return _("this file takes too long to render (more than {budget:g} s); split it into smaller files "
             "or break up its longest paragraphs "
             "(thousands of '[', '<' or footnotes in one paragraph are the usual cause)", budget=budget)


def guarded(unit: Unit, rel: str, read: Callable[[], object]) -> object | None:
    """Run one file's reader; a bug becomes an error on that file, not a crash."""
    try:
        return read()
    except RenderTooSlow as exc:
        unit.problems.error(rel, 0, too_slow_message(exc.budget))
    except RecursionError:
        unit.problems.error(
            rel, 0, _("this file is nested too deeply to read (quotes or lists inside each other); simplify it"),
        )
    except Exception as exc:  # noqa: BLE001 - a broken file must never stop the app
        unit.problems.error(rel, 0, _("internal error reading this file: {error_type}: {exc}",
                                      error_type=type(exc).__name__, exc=str(exc)))
    return None


def check_review_dates(fields: Fields, reviewed: datetime.date | None, today: datetime.date | None) -> None:
    """FORMAT.md 7.6 slips that no due date would show: a review interval set here with no date to count from
    (the unit is then never due), and a review date after today (a typo, or the wrong year)."""
    if reviewed is None and "review_every_months" in fields.data:
        fields.problems.warning(fields.rel, fields.line("review_every_months"), _("'review_every_months' is set but 'reviewed' is not, so no review ever falls due; add the month it was last checked, like 'reviewed: 2026-11'"))  # noqa: E501
    if today is not None and reviewed is not None and reviewed > today:
        fields.problems.warning(fields.rel, fields.line("reviewed"), _("'reviewed' is {reviewed}, after today ({today}); write the month it was last checked", reviewed=reviewed.isoformat(), today=today.isoformat()))  # noqa: E501
