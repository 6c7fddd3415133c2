"""Problems found while reading content: what is wrong, where, and how bad."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .messages import Gettext, Message, Ngettext

Severity = Literal["error", "warning", "note"]  # a note is information, like untranslated units


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one file, printed compiler style by `lms check`.

    message is the English text (what logs, the render cache and comparisons use); translatable keeps
    the Message it came from, so a trainer can read it in their own language.
    """

    path: str  # relative to the content root, posix separators
    line: int  # 1-based; 0 when it concerns the whole file or folder
    severity: Severity
    message: str
    translatable: Message | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, path: str, line: int, severity: Severity, message: Message | str) -> Problem:
        """A problem from a Message (or a plain string, shown untranslated)."""
        if isinstance(message, Message):
            return cls(path, line, severity, str(message), message)
        return cls(path, line, severity, message)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    def translated(self, gettext: Gettext, ngettext: Ngettext | None = None) -> str:
        """The message in gettext's language (the English text when it was never translatable)."""
        if self.translatable is None:
            return self.message
        return self.translatable.translate(gettext, ngettext)

    def line_in(self, gettext: Gettext, ngettext: Ngettext | None = None) -> str:
        """'path:line: severity: message' with the message translated.

        The severity stays English on purpose: editors and CI tools parse 'error:' and 'warning:'.
        """
        return f"{self.path}:{self.line}: {self.severity}: {self.translated(gettext, ngettext)}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class Problems:
    """Collect the problems of one content unit (a course or a scenario)."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, path: str, line: int, message: Message | str) -> None:
        self.items.append(Problem.of(path, line, "error", message))

    def warning(self, path: str, line: int, message: Message | str) -> None:
        self.items.append(Problem.of(path, line, "warning", message))

    def note(self, path: str, line: int, message: Message | str) -> None:
        self.items.append(Problem.of(path, line, "note", message))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.items)


def sort_key(problem: Problem) -> tuple[str, int, int, str]:
    """Order problems by path, then line, errors before warnings before notes."""
    return (problem.path, problem.line, ("error", "warning", "note").index(problem.severity), problem.message)
