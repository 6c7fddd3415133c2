"""Helpers for content tests: build a content tree per test from {relpath: text}."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from lms.content import Catalog, Problem, load_catalog

COURSE_MD = """\
---
title: Listening
summary: Learn to listen well.
---
Welcome to the course.
"""

SCENARIO_MD = """\
---
title: Two am
summary: A post at night.
endings:
  pass: [good-end]
  fail: [bad-end]
---
You are on shift.

## the-post
Someone posts.

- [Reach out](#good-end) (+2)
- [Ignore it](#bad-end) (-2)

## good-end
Well done.

## bad-end
Not good.
"""


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write files (text is dedented, so tests can indent it) under root."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Build a tree; each call gets a fresh folder, so one test may build several."""
    counter = iter(range(1_000_000))
    return lambda files: write_tree(tmp_path / f"tree{next(counter)}", files)


@pytest.fixture
def load(tree: Callable[[dict[str, str | bytes]], Path]) -> Callable[[dict[str, str | bytes]], Catalog]:
    return lambda files: load_catalog(tree(files))


def course(files: dict[str, str], course_id: str = "listening", course_md: str = COURSE_MD) -> dict[str, str]:
    """A course folder with the given files (paths relative to the course)."""
    out = {f"courses/{course_id}/course.md": course_md}
    out.update({f"courses/{course_id}/{rel}": text for rel, text in files.items()})
    return out


def find(catalog: Catalog, path: str, line: int | None = None, text: str = "", severity: str | None = None) -> Problem:
    """The one problem at path (and line) whose message contains text; fail with all problems shown."""
    matches = [
        p for p in catalog.problems
        if p.path == path and (line is None or p.line == line) and text in p.message
        and (severity is None or p.severity == severity)
    ]
    assert matches, f"no problem {path}:{line} '{text}'; got:\n" + "\n".join(map(str, catalog.problems))
    return matches[0]


def messages(catalog: Catalog) -> list[str]:
    return [str(p) for p in catalog.problems]
