"""Split YAML front matter from a Markdown file, load it safely, validate keys.

YAML is parsed twice on purpose: a first pass over parser *events* rejects
anchors and aliases (the "billion laughs" bomb) and deep nesting before any
node is built, so hostile front matter costs milliseconds, not memory.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .messages import Message, _
from .problems import Problems
from .source import SLUG_HELP, describe, is_slug, suggest

MAX_DEPTH = 8
MAX_EVENTS = 20_000
TOO_DEEP = _("front matter is nested too deeply (more than {depth} levels of lists and mappings)", depth=MAX_DEPTH)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class FrontMatter:
    """Front matter values with the line of each key (dotted for nested keys; `key[item]` for each item of a
    list written in YAML, so a problem with one item can point at its own line)."""

    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    present: bool = False
    #: The front matter could not be read (its problem is reported): its keys are unknown, not missing.
    unreadable: bool = False

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)


@dataclass(frozen=True)
class Document:
    """A file split into front matter and body; body_line is the body's first line."""

    meta: FrontMatter
    body: str
    body_line: int


def split_document(text: str, rel: str, problems: Problems) -> Document:
    """Split '---' front matter from the body and load it.

    Front matter must open on line 1. Blank lines above an opening '---' that is followed by a key are an
    error (otherwise the keys, `assessment: true` say, would quietly become page text); the front matter is
    still read, so that nothing else is reported because of it.
    """
    skipped = _blank_lines_before_front_matter(text)
    if skipped:
        problems.error(rel, skipped + 1,
                       _("front matter must start on line 1: remove the blank lines above this '---'"))
        return _split(text.split("\n", skipped)[-1], rel, problems, skipped)
    return _split(text, rel, problems, 0)


_LOOKS_LIKE_A_KEY = re.compile(r"[A-Za-z_][\w-]*[ \t]*:")


def _blank_lines_before_front_matter(text: str) -> int:
    """How many blank lines come before a '---' line that opens front matter (one followed by `key:`); 0 if none."""
    lines = text.split("\n", 64)[:-1]  # enough to see past a few blank lines; a whole line each
    skipped = next((n for n, line in enumerate(lines) if line.strip()), 0)
    return skipped if skipped and opens_with_front_matter("\n".join(lines[skipped:skipped + 2])) else 0


def opens_with_front_matter(text: str) -> bool:
    """Whether `text` starts with a '---' line followed by a `key:` line: front matter, or meant as it."""
    lines = text.split("\n", 2)
    return len(lines) > 1 and lines[0].rstrip() == "---" and bool(_LOOKS_LIKE_A_KEY.match(lines[1]))


def _split(text: str, rel: str, problems: Problems, offset: int) -> Document:
    """split_document for `text` that begins `offset` lines into the file."""
    if not text.startswith("---"):
        return Document(FrontMatter(), text, 1 + offset)
    first_end = text.find("\n")
    if text[: first_end if first_end >= 0 else len(text)].rstrip() != "---":
        return Document(FrontMatter(), text, 1 + offset)
    # Walk the front matter line by line: the body (most of the file) is sliced off, never split.
    start, index = first_end + 1, 1
    while first_end >= 0:
        end = text.find("\n", start)
        if text[start : end if end >= 0 else len(text)].rstrip() in ("---", "..."):
            meta = load_front_matter(text[first_end + 1 : start - 1], rel, 2 + offset, problems)
            return Document(meta, text[end + 1 :] if end >= 0 else "", index + 2 + offset)
        if end < 0:
            break
        start, index = end + 1, index + 1
    problems.error(
        rel, 1 + offset,
        _("front matter starts with '---' on line 1 but is never closed; "
        "add a line with just '---' after the last key"),
    )
    return Document(FrontMatter(), "", text.count("\n") + 2 + offset)


def _check_events(text: str, loader: type = _Loader) -> Message | None:
    """Reject aliases, anchors, deep nesting and huge documents before composing."""
    depth = 0
    for count, event in enumerate(yaml.parse(text, Loader=loader)):
        if count > MAX_EVENTS:
            return _("front matter is far too long")
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return _("front matter may not use YAML anchors or aliases ('&name', '*name'); write each value out")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return TOO_DEEP
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _refusal(yaml_text: str) -> Message | None:
    """_check_events, with PyYAML's own limits read as ours.

    libyaml scans ahead and gives up on very deep nesting before our check
    sees the events; the pure-Python parser has no such limit and yields
    events as it goes, so on an error it tells whether our own limits were
    passed first. The error stands when they were not.
    """
    try:
        return _check_events(yaml_text)
    except yaml.YAMLError:
        if _Loader is yaml.SafeLoader:
            raise
        try:
            refusal = _check_events(yaml_text, yaml.SafeLoader)
        except yaml.YAMLError:
            refusal = None
        if refusal is None:
            raise
        return refusal


def _control_character(text: str) -> str | None:
    """The first character no text column should hold (written as a YAML escape like "\\0"), if any."""
    for char in text:
        if char not in "\t\n\r" and unicodedata.category(char) in ("Cc", "Cs"):
            return char
    return None


def _first_control_character(node: yaml.Node) -> tuple[str, int] | None:
    """The first control character in a node's text and the line it is on (counted from 0), if any."""
    if isinstance(node, yaml.ScalarNode):
        char = _control_character(str(node.value))
        return None if char is None else (char, node.start_mark.line)
    children = node.value if isinstance(node, yaml.SequenceNode) else (
        [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else [])
    for child in children:
        found = _first_control_character(child)
        if found:
            return found
    return None


_STARTS_WITH_BRACES_RE = re.compile(r"^\s*(?:-\s+)?[\w-]+\s*:\s*\{\{|^\s*-\s+\{\{")


def load_front_matter(yaml_text: str, rel: str, first_line: int, problems: Problems,
                      whole_file: bool = False, as_written: bool = False) -> FrontMatter:
    """Load YAML text whose first line is line `first_line` of the file.

    `whole_file`: the text is a whole YAML file (org.yaml), not a Markdown file's front matter, and the
    problems say so.
    `as_written`: every value that is a single scalar is kept as the text written, never typed by YAML
    (org.yaml's `01234567` stays '01234567', not the octal 342391; `22:00` stays '22:00', not 1320;
    `true` and `1.50` stay so). A scalar left empty, or YAML's null (`~`, `null` unquoted), is ''.
    """
    meta = FrontMatter(present=True)
    try:
        refusal = _refusal(yaml_text)
        if refusal is not None:
            problems.error(rel, first_line, refusal)
            meta.unreadable = True
            return meta
        node = yaml.compose(yaml_text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        text_lines = yaml_text.splitlines()
        offending = text_lines[mark.line] if mark and mark.line < len(text_lines) else ""
        # A tab in the indent: the commonest slip, which YAML's own words do not name.
        if "\t" in offending[:len(offending) - len(offending.lstrip())]:
            problems.error(rel, line, _("this line starts with a tab; indent it with spaces instead") if whole_file
                           else _("front matter line starts with a tab; indent it with spaces instead"))
        elif _STARTS_WITH_BRACES_RE.search(offending):
            # '{{' opens a YAML mapping: a title like '{{ org.name }} welcome' must be quoted (FORMAT.md 7.5).
            problems.error(rel, line, _("a value that starts with '{{{{' must be in quotes, like "
                                        "'title: \"{{{{ org.name }}}} welcome\"'"))
        else:
            what = exc.problem or exc.context or _("invalid YAML")
            problems.error(rel, line, _(
                "this file is not valid YAML: {what}; check the quotes, colons and indentation", what=what)
                if whole_file else _(
                "front matter is not valid YAML: {what}; check the quotes, colons and indentation", what=what))
        meta.unreadable = True
        return meta
    except yaml.YAMLError as exc:
        problems.error(rel, first_line, _("this file is not valid YAML: {exc}", exc=str(exc)) if whole_file
                       else _("front matter is not valid YAML: {exc}", exc=str(exc)))
        meta.unreadable = True
        return meta
    if node is None:
        return meta
    if not isinstance(node, yaml.MappingNode):
        problems.error(
            rel, first_line + node.start_mark.line,
            _("this file should be 'name: value' lines, like 'helpline: 0800 000 000'") if whole_file
            else _("front matter should be 'key: value' lines, like 'title: Active listening'"),
        )
        meta.unreadable = True
        return meta
    _read_mapping(node, "", meta, rel, first_line, problems, as_written=as_written)
    return meta


_NULL_TAG = "tag:yaml.org,2002:null"


def _read_mapping(
    node: yaml.MappingNode, prefix: str, meta: FrontMatter, rel: str, first_line: int,
    problems: Problems, into: dict[str, Any] | None = None, as_written: bool = False,
) -> dict[str, Any]:
    """Turn a mapping node into a dict, recording each key's line and catching duplicates.

    `as_written`: scalar values are their text as written (see load_front_matter).
    """
    target: dict[str, Any] = meta.data if into is None else into
    constructor = SafeConstructor()
    for key_node, value_node in node.value:
        line = first_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode):
            problems.error(rel, line, _("front matter keys must be plain words, like 'title'"))
            continue
        key = str(key_node.value)
        dotted = prefix + key
        if key in target:
            problems.error(rel, line, _("key '{dotted}' appears twice (first on line {first}); keep one",
                                        dotted=dotted, first=meta.lines[dotted]))
            continue
        meta.lines[dotted] = line
        if isinstance(value_node, yaml.SequenceNode):
            for item in value_node.value:
                if isinstance(item, yaml.ScalarNode):
                    meta.lines.setdefault(f"{dotted}[{item.value}]", first_line + item.start_mark.line)
        in_key = _first_control_character(key_node)
        control = in_key or (
            None if isinstance(value_node, yaml.MappingNode) and not prefix else _first_control_character(value_node))
        if control is not None:
            char, at = control
            problems.error(rel, first_line + at,
                           _("{where} holds the control "
                             "character U+{code:04X} (written as an escape "
                             'like "\\0" or "\\x07"); remove it: only text, tabs and line breaks are allowed',
                             where=_("a key") if in_key else repr(dotted), code=ord(char)))
            continue
        try:
            if isinstance(value_node, yaml.MappingNode) and not prefix:
                target[key] = _read_mapping(value_node, dotted + ".", meta, rel, first_line, problems, {},
                                            as_written)
            elif as_written and isinstance(value_node, yaml.ScalarNode):
                # The composer has already resolved the tag YAML would type it by; the text is untouched.
                target[key] = "" if value_node.tag == _NULL_TAG else str(value_node.value)
            else:
                target[key] = constructor.construct_object(value_node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            problems.error(rel, line, _("the value of '{dotted}' cannot be read: {exc}", dotted=dotted, exc=str(exc)))
    return target


class Fields:
    """Typed access to front matter values; each bad value becomes a clear problem."""

    def __init__(self, meta: FrontMatter, data: Mapping[str, Any], rel: str, problems: Problems, prefix: str = ""):
        self.meta = meta
        self.data = data
        self.rel = rel
        self.problems = problems
        self.prefix = prefix

    def line(self, key: str) -> int:
        return self.meta.line(self.prefix + key)

    def _bad(self, key: str, expected: Message | str, value: object) -> None:
        self.problems.error(
            self.rel, self.line(key), _("'{prefix}{key}' should be {expected}, got {value}",
                                        prefix=self.prefix, key=key, expected=expected, value=describe(value)),
        )

    def check_keys(
        self, allowed: Sequence[str], required: Sequence[str] = (), hints: Mapping[str, str] | None = None,
    ) -> None:
        """Unknown keys are errors (typos), with a suggestion; required keys must be there (unless the front matter
        could not be read at all: that problem is reported once, not as every key missing)."""
        for key in self.data:
            if key not in allowed:
                hint = suggest(key, allowed) or _("; the keys allowed here are: {keys}", keys=", ".join(allowed))
                self.problems.error(self.rel, self.line(key), _("unknown key '{prefix}{key}'{hint}",
                                                                prefix=self.prefix, key=key, hint=hint))
        for key in required:
            value = self.data.get(key)
            if key not in self.data and self.meta.unreadable:
                continue
            if key not in self.data:
                where = self.meta.line(self.prefix.rstrip(".")) if self.prefix else 1
                example = (hints or {}).get(key, "...")
                self.problems.error(
                    self.rel, where, _("missing required key '{prefix}{key}'; add a line like '{key}: {example}'",
                                       prefix=self.prefix, key=key, example=example),
                )
            elif value is None or (isinstance(value, str) and not value.strip()):
                self.problems.error(self.rel, self.line(key), _("'{prefix}{key}' is empty; give it a value",
                                                                prefix=self.prefix, key=key))

    def text(self, key: str) -> str | None:
        """Text; numbers are taken as text (a title may be '1984')."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self._bad(key, _("text (put it in quotes if it looks like something else)"), value)
            return None
        return str(value).strip() or None

    def whole(
        self, key: str, unit: Message | str, minimum: int | None = 0, maximum: int | None = None,
    ) -> int | None:
        """A whole number, e.g. "'minutes' should be a whole number of minutes, got 'ten'"."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if maximum is not None:
            expected = _("a whole number of {unit} from {minimum} to {maximum}", unit=unit, minimum=minimum, maximum=maximum)  # noqa: E501
        elif minimum:
            expected = _("a whole number of {unit} of at least {minimum}", unit=unit, minimum=minimum)
        else:
            expected = _("a whole number of {unit}", unit=unit)
        if isinstance(value, bool) or not isinstance(value, int):
            self._bad(key, expected, value)
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self._bad(key, expected, value)
            return None
        return value

    def number(self, key: str, unit: Message | str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            self._bad(key, _("a number of {unit}", unit=unit), value)
            return None
        return float(value)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._bad(key, _("true or false"), value)
            return default
        return value

    def choice(self, key: str, options: Sequence[str], default: str) -> str:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or value not in options:
            hint = suggest(value, options) if isinstance(value, str) else ""
            self.problems.error(
                self.rel, self.line(key),
                _("'{prefix}{key}' should be one of {items}, got {value}{hint}",
                  prefix=self.prefix, key=key, items=', '.join(options), value=describe(value), hint=hint),
            )
            return default
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        """A list of short texts; 'a, b' is accepted as a list of two."""
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or not all(
            isinstance(item, (str, int, float)) and not isinstance(item, bool) for item in value
        ):
            self._bad(key, _("a list of texts, like [suicide, self-harm]"), value)
            return ()
        return tuple(str(item).strip() for item in value if str(item).strip())

    def slug(self, key: str, what: Message | str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not is_slug(value):
            self._bad(key, _("{what} ({slug_help})", what=what, slug_help=SLUG_HELP), value)
            return None
        return value

    def slug_list(self, key: str, what: Message | str) -> tuple[str, ...]:
        items = self.text_list(key)
        good = []
        for item in items:
            if is_slug(item):
                good.append(item)
            else:
                self.problems.error(
                    self.rel, self.line(key), _("'{prefix}{key}' should list {what} ({slug_help}), got '{item}'",
                                                prefix=self.prefix, key=key, what=what, slug_help=SLUG_HELP, item=item),
                )
        return tuple(good)

    def date(self, key: str) -> datetime.date | None:
        """A date written YYYY-MM-DD, or YYYY-MM meaning the 1st of that month."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            parts = value.strip().split("-")
            try:
                if len(parts) == 2 and len(parts[0]) == 4:
                    return datetime.date(int(parts[0]), int(parts[1]), 1)
                if len(parts) == 3 and len(parts[0]) == 4:
                    return datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError:
                pass
        self._bad(key, _("a date like 2025-03-31 or 2025-03"), value)
        return None

    def mapping(self, key: str, expected: Message | str) -> Fields | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self._bad(key, expected, value)
            return None
        return Fields(self.meta, value, self.rel, self.problems, self.prefix + key + ".")
