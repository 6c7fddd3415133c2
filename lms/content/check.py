"""`lms check`: print every problem compiler style and return the exit code."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

from .loader import load_catalog


def run_check(
    root: Path, echo: Callable[[str], object] = print, *, summary: bool = True, today: datetime.date | None = None,
    paths: bool = False, worst_allowed: int = -2,
) -> int:
    """Print one 'path:line: severity: message' line per problem; 1 if any is an error.

    today: the date review dates are checked against (FORMAT.md 7.6); the real date when None.
    """
    catalog = load_catalog(Path(root), today=today or datetime.date.today())
    for problem in catalog.problems:  # already sorted by path, then line
        echo(str(problem))
    if summary:
        errors, warnings = len(catalog.errors), len(catalog.warnings)
        echo(
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}; "
            f"{len(catalog.courses)} course{'s' * (len(catalog.courses) != 1)} and "
            f"{len(catalog.scenarios)} scenario{'s' * (len(catalog.scenarios) != 1)} ready"
        )
    return 1 if catalog.has_errors else 0
