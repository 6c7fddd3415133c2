"""Warnings about raw HTML in content that sanitising will remove, at the line it was written."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from .links import WEB_SCHEMES
from .messages import _
from .problems import Problems
from .source import outside_fences

# Each pattern is a single linear scan (no nested or adjacent quantifiers).
_TAG_RE = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)([^<>]*)>?")
_HANDLER_RE = re.compile(r"(?<![\w-])(on[a-z]+)\s*=", re.IGNORECASE)
_STYLE_RE = re.compile(r"(?<![\w-])style\s*=", re.IGNORECASE)
# A scheme at the start of a link destination: ](x:  ]: x:  href="x:  <x:
_URL_SCHEME_RE = re.compile(
    r"(?:\]\(|\]:[ \t]*|(?:href|src|poster)[ \t]*=[ \t]*[\"']?|<)<?([A-Za-z][A-Za-z0-9+.-]*):",
    re.IGNORECASE,
)
_CODE_SPAN_RE = re.compile(r"`[^`]*`")
_REMOVED_TAGS = {
    "script": _("scripts are not allowed"),
    "style": _("style sheets are not allowed"),
    "form": _("forms are not allowed"),
    "input": _("form fields are not allowed"),
    "button": _("buttons are not allowed"),
    "textarea": _("form fields are not allowed"),
    "select": _("form fields are not allowed"),
    "iframe": _("embedded frames are not allowed"),
    "frame": _("embedded frames are not allowed"),
    "object": _("embedded objects are not allowed"),
    "embed": _("embedded objects are not allowed"),
    "link": _("external style sheets are not allowed"),
    "meta": _("meta tags are not allowed"),
    "base": _("base tags are not allowed"),
}


def unsafe_html_warnings(lines: Sequence[str], first_line: int, rel: str, problems: Problems) -> None:
    """Warn, with the line, about raw HTML that sanitising will remove."""
    for index, line in _outside_code(lines):
        if "<" not in line and ":" not in line:
            continue
        text = _CODE_SPAN_RE.sub("", line) if "`" in line else line
        number = first_line + index
        for match in _TAG_RE.finditer(text) if "<" in text else ():
            name = match.group(1).lower()
            if name in _REMOVED_TAGS:
                problems.warning(rel, number, _("<{name}> removed: {reason} in course content",
                                                name=name, reason=_REMOVED_TAGS[name]))
            attributes = match.group(2)
            for handler in _HANDLER_RE.finditer(attributes):
                problems.warning(
                    rel, number,
                    _("'{handler}' removed from <{name}>: event handlers (scripts) are not allowed",
                      handler=handler.group(1), name=name),
                )
            if _STYLE_RE.search(attributes):
                problems.warning(rel, number, _("'style' removed from <{name}>: inline styles are not allowed",
                                                name=name))
        for match in _URL_SCHEME_RE.finditer(text) if ":" in text else ():
            scheme = match.group(1).lower()
            if scheme in ("javascript", "vbscript"):
                problems.warning(rel, number, _("'{scheme}:' link removed: scripts are not allowed in course content",
                                                scheme=scheme))
            elif scheme not in WEB_SCHEMES and not match.group(0).startswith("<"):
                problems.warning(
                    rel, number,
                    _("link using '{scheme}:' removed: only https:, http:, mailto: and tel: links are allowed",
                      scheme=scheme),
                )


def _outside_code(lines: Sequence[str]) -> Iterator[tuple[int, str]]:
    """Lines that are not code: question and reflection fences hold Markdown, so they count."""
    return outside_fences(lines, markdown_fences=("question", "reflection", "response"))
