"""Small text helpers shared by the readers: files, slugs, fences, words."""

from __future__ import annotations

import codecs
import difflib
import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .messages import Message, _
from .problems import Problems

MAX_FILE_BYTES = 1024 * 1024  # a step bigger than this is a mistake, or an attack

# Unambiguous (each '-' separates two runs), so matching is linear.
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
NUMBERED_RE = re.compile(r"(\d+)-(.*)")

SLUG_HELP = _("lowercase letters, digits and single hyphens, like 'active-listening'")


def is_slug(text: str) -> bool:
    return SLUG_RE.fullmatch(text) is not None


def is_draft(name: str) -> bool:
    """Names starting with '_' or '.', and README.md, are not content."""
    return name.startswith(("_", ".")) or name.lower() == "readme.md"


def split_numbered(name: str) -> tuple[int, str] | None:
    """Split 'NN-rest' into (NN, 'rest'); None when there is no number prefix."""
    match = NUMBERED_RE.fullmatch(name)
    if match is None:
        return None
    return int(match.group(1)), match.group(2)


def id_in_words(slug: str) -> str:
    """'active-listening' -> 'Active listening'."""
    words = slug.replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def word_count(text: str) -> int:
    return len(text.split())


def minutes_for_words(words: int) -> int:
    """Reading time at about 200 words a minute, at least one minute."""
    return max(1, round(words / 200))


def _closest(word: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(word: str, options: Iterable[str]) -> Message | str:
    """"; did you mean 'x'?" when an option is close to word, else ""."""
    option = _closest(word, options)
    return _("; did you mean '{option}'?", option=option) if option else ""


def suggest_inline(word: str, options: Iterable[str]) -> Message | str:
    """" (did you mean 'x'?)" when an option is close to word, else "": for the middle of a sentence, where
    suggest's "; did you mean 'x'?" would be followed by more punctuation."""
    option = _closest(word, options)
    return _(" (did you mean '{option}'?)", option=option) if option else ""


def describe(value: object) -> Message | str:
    """Describe a YAML value the way a trainer wrote it, for error messages."""
    if value is None:
        return _("nothing")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"'{shown}'"
    if isinstance(value, (list, tuple)):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping (key: value lines)")
    return _("a {type}", type=type(value).__name__)


@dataclass(frozen=True)
class SourceFile:
    """A Markdown file read from disk: decoded text and the raw bytes."""

    rel: str
    text: str  # BOM removed, line endings normalised to '\n'
    data: bytes


def read_source(path: Path, rel: str, problems: Problems) -> SourceFile | None:
    """Read a UTF-8 text file without following symlinks; report why not."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        problems.error(rel, 0, _("cannot read this file: {reason}", reason=exc.strerror or str(exc)))
        return None
    if stat.S_ISLNK(info.st_mode):
        problems.error(rel, 0, _("symbolic links are not allowed; replace the link with the real file"))
        return None
    if not stat.S_ISREG(info.st_mode):
        problems.error(rel, 0, _("this is not a regular file"))
        return None
    if info.st_size > MAX_FILE_BYTES:
        problems.error(
            rel, 0,
            _("file is too large ({size} KiB; the limit is "
            "{limit} KiB); split it into smaller steps", size=info.st_size // 1024, limit=MAX_FILE_BYTES // 1024),
        )
        return None
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)  # never follow a late-swapped link
    try:
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        problems.error(rel, 0, _("cannot read this file: {reason}", reason=exc.strerror or str(exc)))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.error(rel, 0, _("file is too large (the limit is {limit} KiB)", limit=MAX_FILE_BYTES // 1024))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # With a byte order mark, the decoder counts from after its 3 bytes.
        at = exc.start + (len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)
        line = data[:at].count(b"\n") + 1
        problems.error(
            rel, line,
            _("this file is not UTF-8 (byte 0x{data:02x} at line {line}); "
            "save it as UTF-8 in your editor", data=data[at], line=line),
        )
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        problems.error(rel, text[: text.index("\x00")].count("\n") + 1,
                       _("this file contains a NUL character; is it really a text file?"))
        return None
    return SourceFile(rel, text, data)


def leading_spaces(line: str) -> int:
    """Columns of indentation, a tab counting as four."""
    count = 0
    for char in line:
        if char == " ":
            count += 1
        elif char == "\t":
            count += 4 - count % 4
        else:
            break
    return count


@dataclass(frozen=True)
class Fence:
    char: str
    length: int
    info: str
    indent: int


def fence_open(line: str) -> Fence | None:
    """Recognise a CommonMark code fence opening line (``` or ~~~)."""
    if not line or line[0] not in "`~ \t":  # fast path: most lines
        return None
    indent = leading_spaces(line)
    if indent > 3:
        return None
    rest = line.lstrip(" \t")
    if not rest or rest[0] not in "`~":
        return None
    char = rest[0]
    length = len(rest) - len(rest.lstrip(char))
    if length < 3:
        return None
    info = rest[length:].strip()
    if char == "`" and "`" in info:
        return None
    return Fence(char, length, info, indent)


def fence_closes(fence: Fence, line: str) -> bool:
    if not line or line[0] not in "`~ \t" or leading_spaces(line) > 3:
        return False
    rest = line.strip()
    return len(rest) >= fence.length and rest == fence.char * len(rest)


def outside_fences(lines: Sequence[str], markdown_fences: tuple[str, ...] = ()) -> Iterator[tuple[int, str]]:
    """Yield (index, line) for lines that are not inside fenced code.

    Fences whose info string starts with one of `markdown_fences` (e.g. question,
    reflection) hold Markdown: their fence lines are skipped, their contents kept.
    """
    joined = "\n".join(lines)
    if "```" not in joined and "~~~" not in joined:
        return enumerate(lines)  # no fence at all (most scenario nodes): skip the line-by-line scan
    return _outside_fences(lines, markdown_fences)


def _outside_fences(lines: Sequence[str], markdown_fences: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    fence: Fence | None = None
    for index, line in enumerate(lines):
        if fence is not None:
            if fence_closes(fence, line):
                fence = None
            continue
        opened = fence_open(line)
        if opened is not None:
            if opened.info.split()[:1] not in [[name] for name in markdown_fences]:
                fence = opened
            continue
        yield index, line


def atx_heading(line: str, level: int) -> str | None:
    """The text of an ATX heading of exactly this level, else None."""
    if leading_spaces(line) > 3:
        return None
    stripped = line.strip()
    marks = "#" * level
    if not stripped.startswith(marks):
        return None
    rest = stripped[level:]
    if rest.startswith("#"):
        return None
    if rest and rest[0] not in " \t":
        return None
    # Optional closing sequence: ' ##'. String ops, not a regex, so no backtracking.
    text = rest.strip()
    without = text.rstrip("#")
    if without != text and (not without or without[-1] in " \t"):
        text = without.rstrip()
    return text
