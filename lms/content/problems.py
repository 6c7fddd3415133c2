"""Problems found while reading content: what is wrong, where, and how bad."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]  # a note is information, like untranslated units


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one file, printed compiler style by `lms check`."""

    path: str  # relative to the content root, posix separators
    line: int  # 1-based; 0 when it concerns the whole file or folder
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class Problems:
    """Collect the problems of one content unit (a course or a scenario)."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, line, "error", message))

    def warning(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, line, "warning", message))

    def note(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, line, "note", message))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.items)


def sort_key(problem: Problem) -> tuple[str, int, int, str]:
    """Order problems by path, then line, errors before warnings before notes."""
    return (problem.path, problem.line, ("error", "warning", "note").index(problem.severity), problem.message)
