"""Import a Twine story (Twee source: one file, several, or a tweego-style folder) as a scenario.

Passages become nodes and links become choices; passages tagged `pass`/`fail`
(or `neutral`) without links become endings. The story format (StoryData
`format`) decides which markup is converted: Harlowe and SugarCube macros and
markup, Chapbook inserts and modifiers, Snowman templates; a story without a
format gets every conversion. Scenarios have no variables, so macros that do
more than link are removed and each is named in a warning with its passage, for
the trainer to redo by hand (usually with `if NODE` on a choice).

A story written by `lms export-twee` (see twee_export) comes back as it left: its
settings passage (tagged `lms-scenario`) holds the front matter and briefing,
and annotations after links (`[[Reach out->reach-out]] (+2, red line)`) and
quotes indented under them are kept.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml
from anyascii import anyascii

from .blocks import list_item
from .messages import ContentError, Message, _, _n, untranslated
from .source import atx_heading, is_slug

SPECIAL = {
    "StoryTitle", "StoryData", "StoryInit", "StoryMenu", "StoryAuthor", "StorySubtitle", "StoryCaption",
    "StoryBanner", "StoryInterface", "StoryShare", "StoryIncludes", "StorySettings", "PassageReady", "PassageDone",
    "PassageHeader", "PassageFooter",
}
CODE_TAGS = {
    "script", "stylesheet", "widget", "Twine.private", "Twine.image", "header", "footer", "startup", "debug-header",
    "debug-footer", "debug-startup", "init",
}
OUTCOME_TAGS = ("pass", "fail", "neutral")
SETTINGS_TAG = "lms-scenario"  # the passage that holds an exported scenario's front matter and briefing
STORY_SUFFIXES = (".twee", ".tw", ".twee2", ".tw2")
MAX_ID_LENGTH = 48
PLACEHOLDER_SUMMARY = "TODO: one or two sentences for the catalogue."
PLACEHOLDER_BRIEFING = "Imported from Twine. Write the briefing here: what the trainee should know before starting."

_GOTO = "\x00goto\x00"  # a (go-to:)/<<goto>> found while converting: becomes a choice, or a link's target
_RESTART = "\x00restart\x00"
_VARIABLE_RE = re.compile(r"(?<![\w$\\])\$[A-Za-z_]\w*")
_SCORE_RE = re.compile(r"[+-]\d{1,9}|0")
_HARLOWE_MACRO_RE = re.compile(r"\(([A-Za-z][\w-]*):")
_SUGARCUBE_MACRO_RE = re.compile(r"<<(/?)([A-Za-z][\w-]*)")
_NAMED_HOOK_RE = re.compile(r"\|[A-Za-z_]\w*>(?=\[)|(?<=\])<[A-Za-z_]\w*\|")
_BOLD_RE = re.compile(r"''(?=\S)(.+?)(?<=\S)''")
_ITALIC_RE = re.compile(r"(?<![:/\w])//(?=\S)(.+?)(?<=\S)//(?!/)")
_HEADING_RE = re.compile(r"^(!{1,6})\s*(\S.*)$")
_SCRIPT_RE = re.compile(r"<script\b([^>]*)>.*?</script\s*>|<script\b([^>]*)/>", re.I | re.S)
_STYLE_RE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.I | re.S)
_LINK_TAG_RE = re.compile(r"(?<!<)<link\b[^>]*>", re.I)  # not SugarCube's <<link>>
_TEMPLATE_RE = re.compile(r"<%(.*?)%>", re.S)
_COMMENT_RE = re.compile(r"/\*.*?\*/|/%.*?%/", re.S)
_MEDIA_TAG_RE = re.compile(
    r"<(img|audio|video|source|embed|iframe|track)\b[^>]*?\bsrc\s*=\s*(?:([\"'])(.*?)\2|([^\s\"'<>=`]+))[^>]*>",
    re.I | re.S)
_SRC_ATTR_RE = re.compile(r"\bsrc\s*=\s*(?:[\"']([^\"']*)[\"']|([^\s\"'<>=`]+))", re.I)  # quoted or not
_STYLE_ATTR_RE = re.compile(r"\bstyle\s*=\s*(?:\"[^\"]*\"|'[^']*')", re.I)
_CSS_URL_RE = re.compile(r"url\(\s*([\"']?)(.*?)\1\s*\)", re.I | re.S)
_SUGARCUBE_LIST_RE = re.compile(r"^(#+)[ \t]+(?=\S)")  # '# item': a numbered list line ('## item' one level in)
_UNDERLINE_RE = re.compile(r"__(?=\S)(.+?)(?<=\S)__")
_MD_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(\s+\"[^\"]*\")?\s*\)")
_SUGARCUBE_IMAGE_RE = re.compile(r"\[[<>]?img\[(?:([^|\]]*)\|)?([^\]]+)\](?:\[[^\]]*\])?\]")
_HREF_RE = re.compile(r"<a\b([^>]*?)\bhref\s*=\s*([\"'])(.*?)\2([^>]*)>(.*?)</a\s*>", re.I | re.S)
_DATA_PASSAGE_RE = re.compile(r"<a\b[^>]*?\bdata-passage\s*=\s*([\"'])(.*?)\1[^>]*>(.*?)</a\s*>", re.I | re.S)
_MD_LINK_RE = re.compile(r"(?<!!)\[([^\]]+)\]\(\s*([^)\s]+)\s*\)")
_CHAPBOOK_MODIFIER_RE = re.compile(r"^\[(?!\[)([A-Za-z][^\[\]]*)\]\s*$")
_CHAPBOOK_VAR_RE = re.compile(r"^\s*[\w.]+(\s*\([^)]*\))?\s*:\s*\S")
_CHAPBOOK_INSERT_RE = re.compile(r"\{([^{}\n]*)\}")
_QUOTED_RE = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'")


@dataclass
class _Link:
    text: str
    target: str  # passage name as written
    annotations: str = ""  # '(+2, red line)' as written after the link, or ''
    feedback: list[str] = field(default_factory=list)  # lines indented under the link's list item


@dataclass
class _Passage:
    name: str
    tags: list[str]
    text: str
    position: int  # 1-based, in story order: the numbered id when the name gives no letters
    id: str = ""
    body: str = ""
    links: list[_Link] = field(default_factory=list)
    macros: list[str] = field(default_factory=list)  # names of macros removed, for one warning per passage
    choices: list[tuple[_Link, _Passage]] = field(default_factory=list)


@dataclass
class TweeImport:
    """What an import produced: the scenario file's text, what could not be converted, and files to copy."""

    markdown: str
    warnings: list[Message]
    title: str
    assets: dict[str, Path] = field(default_factory=dict)  # path in the scenario folder -> file to copy


# ---------------------------------------------------------------- ids


def slugify(name: str) -> str:
    """A node id from a passage name, transliterated: 'Übung' -> 'ubung', '你好' -> 'ni-hao'; '' if nothing is left."""
    pieces = []
    for char in name:
        if char.isascii():
            pieces.append(char)
            continue
        latin = anyascii(char).replace("'", "")  # Cyrillic soft and hard signs: 'druz'ya' is one word
        # Ideographs and syllables (CJK, kana, Hangul) are words of their own: keep them apart.
        wide = unicodedata.east_asian_width(char) in ("W", "F") and unicodedata.category(char) == "Lo"
        pieces.append(f" {latin} " if wide else latin)
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in "".join(pieces).lower()).split()
    slug = ""
    for word in words:  # cut at a word boundary so long names make readable ids
        if slug and len(slug) + 1 + len(word) > MAX_ID_LENGTH:
            break
        slug = f"{slug}-{word}" if slug else word[:MAX_ID_LENGTH]
    return slug


def _assign_ids(story: list[_Passage]) -> None:
    """Give every passage a unique node id: transliterated, else 'passage-N' by its place in the story."""
    used: set[str] = set()
    for passage in story:
        base = slugify(passage.name) or f"passage-{passage.position}"
        node_id, n = base, 2
        while node_id in used:
            node_id, n = f"{base}-{n}", n + 1
        used.add(node_id)
        passage.id = node_id


# ---------------------------------------------------------------- reading Twee


def _parse_header(line: str) -> tuple[str, list[str]]:
    """':: Name [tag tag] {"position":"1,2"}' -> (name, tags); Twee escapes (\\[ \\] \\{ \\} \\\\) undone."""
    rest = line[2:].strip()
    if rest.endswith("}") and "{" in rest:
        rest = rest[: rest.rindex("{")].rstrip()
    if rest.endswith(">") and "<" in rest:  # Twee 2 position '<100,200>'
        rest = rest[: rest.rindex("<")].rstrip()
    tags: list[str] = []
    if rest.endswith("]") and "[" in rest and not rest.endswith("\\]"):
        start = rest.rindex("[")
        tags = rest[start + 1 : -1].split()
        rest = rest[:start].rstrip()
    name = re.sub(r"\\(.)", r"\1", rest)
    return name.strip(), tags


def _split_passages(text: str, position: int = 0) -> list[_Passage]:
    passages: list[_Passage] = []
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n"):
        if line.startswith("::"):
            if passages:
                passages[-1].text = "\n".join(lines).strip("\n")
            name, tags = _parse_header(line)
            passages.append(_Passage(name, tags, "", position + len(passages) + 1))
            lines = []
        elif passages:
            # Twee escapes a passage line that starts with '::' as '\::'.
            lines.append(line[1:] if line.startswith("\\::") else line)
    if passages:
        passages[-1].text = "\n".join(lines).strip("\n")
    return passages


def story_files(paths: Sequence[Path]) -> tuple[list[Path], list[Message], Path]:
    """The Twee files to read (a folder is read as tweego does: every .twee/.tw file in it, in name order),
    warnings about the files left out, and the folder that relative file references start from."""
    files: list[Path] = []
    warnings: list[Message] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        for found in sorted(p for p in path.rglob("*") if p.is_file()):
            rel = found.relative_to(path)
            if any(part.startswith(".") for part in rel.parts):
                continue
            suffix = found.suffix.lower()
            if suffix in STORY_SUFFIXES:
                files.append(found)
            elif suffix in (".js", ".css", ".html", ".htm"):
                kind = {".js": "script", ".css": "stylesheet"}.get(suffix, "web page")
                warnings.append(_("file '{path}' ({kind}) was left out; a scenario has no scripts or styles",
                                  path=rel.as_posix(), kind=kind))
    if not files:
        raise ContentError(_("no Twee files (.twee, .tw) found in {paths}", paths=", ".join(str(p) for p in paths)))
    folders = [(p if p.is_dir() else p.parent).resolve() for p in paths]
    base = folders[0]
    for folder in folders[1:]:
        while not folder.is_relative_to(base):
            base = base.parent
    return files, warnings, base


# ---------------------------------------------------------------- links


def _link_parts(inner: str) -> tuple[str, str]:
    """Twine link syntaxes -> (text, target): '->' rightmost, '<-' leftmost, then '|', as Twine draws them."""
    if "][" in inner:  # SugarCube setter link: [[Text|Target][$x to 1]]
        inner = inner.split("][", 1)[0]
    if "->" in inner:
        text, target = inner.rsplit("->", 1)
    elif "<-" in inner:
        target, text = inner.split("<-", 1)
    elif "|" in inner:
        text, target = inner.split("|", 1)
    else:
        text = target = inner
    return text.strip(), target


def _find_links(line: str) -> list[tuple[int, int, str]]:
    """[[...]] links in a line: (start, end, inner)."""
    found = []
    index = line.find("[[")
    while index >= 0:
        end = line.find("]]", index + 2)
        if end < 0:
            break
        while line.startswith("]", end + 2):  # '[[a [b]]]': the link closes at the last ']'
            end += 1
        found.append((index, end + 2, line[index + 2 : end]))
        index = line.find("[[", end + 2)
    return found


def _is_annotation_list(text: str) -> bool:
    """Whether '(+2, red line, if x)' is a list of scenario annotations (so it came from export or an author)."""
    if not (text.startswith("(") and text.endswith(")")) or "(" in text[1:-1] or ")" in text[1:-1]:
        return False
    for raw in text[1:-1].split(","):
        word = " ".join(raw.split()).lower()
        if _SCORE_RE.fullmatch(word) or word in ("red line", "pin"):
            continue
        if word.startswith(("skill ", "if not ", "if ")) and is_slug(word.rsplit(" ", 1)[-1]):
            continue
        return False
    return True


def _escape_brackets(text: str) -> str:
    """Link text as Markdown: brackets not already escaped get a backslash."""
    return re.sub(r"(?<!\\)([\[\]])", r"\\\1", " ".join(text.split()))


# ---------------------------------------------------------------- macros


def _matching(text: str, start: int, open_char: str, close_char: str) -> int:
    """Index of the bracket closing the one at `start` (skipping quoted strings), or -1."""
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char in "\"'" and open_char == "(":
            close = text.find(char, index + 1)
            index = close if close > 0 else index
        elif char == open_char:
            depth += 1
        elif char == close_char:
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def _literal(arg: str) -> str | None:
    """The value of a string literal argument ('"Target"', \"'x'\", '[[x|T]]' gives T), else None."""
    arg = arg.strip()
    match = _QUOTED_RE.fullmatch(arg)
    if match:
        value = match.group(1) if match.group(1) is not None else match.group(2)
        return re.sub(r"\\(.)", r"\1", value)
    return None


def _harlowe_args(text: str) -> list[str]:
    """Split a macro's arguments at top-level commas."""
    args, depth, current, quote = [], 0, "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            args.append(current)
            current = ""
            continue
        current += char
    if current.strip():
        args.append(current)
    return args


def _sugarcube_args(text: str) -> list[str]:
    """SugarCube arguments: quoted strings, [[links]] and bare words."""
    return [m.group(0) for m in re.finditer(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|\[\[.*?\]\]|\S+", text)]


def _harlowe_name(written: str) -> str:
    """A Harlowe macro's name as Harlowe compares it: case, '-' and '_' ignored ('go-to', 'GoTo', 'go_to')."""
    return written.lower().replace("-", "").replace("_", "")


class _Converter:
    """Turns one passage's Twine text into Markdown with [[links]] left in place for the link pass."""

    def __init__(self, passage: _Passage, story_format: str, start_name: str, warn: list[Message],
                 has_file: Callable[[str], str | None]) -> None:
        self.passage = passage
        self.format = story_format
        self.start_name = start_name
        self.warn = warn
        self.has_file = has_file

    def uses(self, *formats: str) -> bool:
        """Whether this story's format is one of these (a story without a format gets every conversion)."""
        return not self.format or self.format in formats

    def note(self, message: Message) -> None:
        self.warn.append(_("passage '{name}': {message}", name=self.passage.name, message=message))

    def macro(self, name: str) -> None:
        if name not in self.passage.macros:
            self.passage.macros.append(name)

    def convert(self, text: str) -> str:
        text = self.code(text)
        if self.uses("chapbook"):
            text = self.chapbook(text)
        text = _DATA_PASSAGE_RE.sub(lambda m: f"[[{' '.join(m.group(3).split())}->{m.group(2)}]]", text)
        if self.uses("sugarcube"):
            text = self.sugarcube(text)
        if self.uses("harlowe"):
            text = self.harlowe(text)
        text = self.gotos(text, "Continue")
        text = self.files(text)
        if self.uses("harlowe", "sugarcube"):
            text = self.markup(text)
        return text

    # -- code: scripts, styles, templates, comments
    def code(self, text: str) -> str:
        def script(match: re.Match[str]) -> str:
            attrs = match.group(1) or match.group(2) or ""
            src = _SRC_ATTR_RE.search(attrs)
            ref = src.group(1) if src and src.group(1) is not None else src.group(2) if src else None
            self.note(_("script '{ref}' was removed",
                        ref=ref) if ref is not None else _("an inline <script> was removed"))
            return ""

        text = _SCRIPT_RE.sub(script, text)
        if _STYLE_RE.search(text):
            self.note(_("a <style> block was removed"))
            text = _STYLE_RE.sub("", text)

        def link_tag(match: re.Match[str]) -> str:
            href = re.search(r"\bhref\s*=\s*[\"']([^\"']*)[\"']", match.group(0))
            self.note(_("<link> to '{href}' was removed", href=href.group(1) if href else "?"))
            return ""

        text = _LINK_TAG_RE.sub(link_tag, text)
        if self.uses("snowman", "sugarcube"):
            def template(match: re.Match[str]) -> str:
                self.note(_("template expression '<%{items}%>' was removed",
                            items=' '.join(match.group(1).split())[:40]))
                return ""

            text = _TEMPLATE_RE.sub(template, text)
        if self.uses("sugarcube", "harlowe"):
            text = _COMMENT_RE.sub("", text)
        return text

    # -- Chapbook: vars section, modifiers, inserts
    def chapbook(self, text: str) -> str:
        lines = text.split("\n")
        if "--" in (line.strip() for line in lines):
            cut = [line.strip() for line in lines].index("--")
            head = [line for line in lines[:cut] if line.strip()]
            if head and all(_CHAPBOOK_VAR_RE.match(line) for line in head):
                names = ", ".join(line.split(":", 1)[0].strip() for line in head)
                self.note(_("the vars section ({names}) was removed; scenarios have no variables", names=names))
                lines = lines[cut + 1 :]
        kept = []
        for line in lines:
            match = _CHAPBOOK_MODIFIER_RE.match(line.strip())
            if match and self.format == "chapbook":
                self.note(_("modifier '[{modifier}]' was removed (its text was kept)", modifier=match.group(1)))
                continue
            kept.append(line)
        return _CHAPBOOK_INSERT_RE.sub(self.insert, "\n".join(kept))

    def insert(self, match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if self.format == "harlowe" or (not self.format and not inner):
            return match.group(0)
        key, _sep, rest = inner.partition(":")
        key = key.strip().lower()
        options = {
            k.strip().lower(): v
            for k, v in re.findall(r"([\w ]+):\s*('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")", inner)
        }
        if key == "link to":
            target = _literal(rest.split(",", 1)[0])
            if target is not None:
                label = _literal(options.get("label", "")) or target
                return f"[[{label}->{target}]]"
        elif key in ("restart link", "restart"):
            label = _literal(options.get("label", "")) or "Play again"
            return f"[[{label}->{self.start_name}]]"
        elif key == "embed image":
            source = _literal(rest.split(",", 1)[0])
            if source is not None:
                return f"![{_literal(options.get('alt', '')) or ''}]({source})"
        if self.format == "chapbook" or ":" in inner or " " in inner.strip():
            self.macro("{" + (key or inner)[:30] + "}")
            return ""
        self.note(_("'{{{inner}}}' (an insert or a brace) was left as text", inner=inner))
        return match.group(0)

    # -- SugarCube macros
    def sugarcube(self, text: str) -> str:
        out: list[str] = []
        index = 0
        while True:
            match = _SUGARCUBE_MACRO_RE.search(text, index)
            if match is None:
                out.append(text[index:])
                return "".join(out)
            out.append(text[index : match.start()])
            end = self._macro_end(text, match.end())
            if end < 0:
                out.append(text[match.start() :])
                return "".join(out)
            closing, name = match.group(1), match.group(2).lower()
            args = text[match.end() : end]
            index = end + 2
            if closing:
                continue  # a closing tag whose opening tag kept its contents
            if name in ("link", "button", "linkreplace", "linkappend", "linkprepend"):
                close = self._closing(text, index, name)
                inner = text[index : close[0]] if close else ""
                index = close[1] if close else index
                out.append(self._sugarcube_link(name, _sugarcube_args(args), inner))
            elif name in ("script", "silently", "widget", "done", "timed", "repeat"):
                close = self._closing(text, index, name)
                if close:
                    self._sugarcube_dropped(text[index : close[0]])
                    index = close[1]
                self.macro(f"<<{name}>>")
            elif name == "goto":
                target = self._sugarcube_target(_sugarcube_args(args))
                if target is None:
                    self.macro("<<goto>>")
                else:
                    out.append(_GOTO + target + _GOTO)
            elif name == "restart":
                out.append(_RESTART)
            elif name in ("actions", "choice"):
                for arg in _sugarcube_args(args):
                    if arg.startswith("[[") and arg.endswith("]]"):
                        out.append(f"\n{arg}\n")
                    elif (target := _literal(arg)) is not None:
                        out.append(f"\n[[{target}]]\n")
            else:
                self.macro(f"<<{name}>>")

    def _macro_end(self, text: str, start: int) -> int:
        index = start
        while index < len(text):
            if text.startswith(">>", index):
                return index
            if text[index] in "\"'":
                close = text.find(text[index], index + 1)
                if close < 0:
                    return -1
                index = close
            index += 1
        return -1

    def _closing(self, text: str, start: int, name: str) -> tuple[int, int] | None:
        """(start, end) of the '<</name>>' closing the macro opened before `start`, nesting respected."""
        depth = 1
        for match in re.finditer(rf"<<(/?){re.escape(name)}\b[^>]*>>", text[start:], re.I):
            depth += -1 if match.group(1) else 1
            if depth == 0:
                return start + match.start(), start + match.end()
        return None

    def _sugarcube_target(self, args: list[str]) -> str | None:
        if not args:
            return None
        arg = args[-1] if not args[0].startswith("[[") else args[0]
        if arg.startswith("[[") and arg.endswith("]]"):
            return _link_parts(arg[2:-2])[1]
        return _literal(arg)

    def _sugarcube_link(self, name: str, args: list[str], inner: str) -> str:
        if args and args[0].startswith("[[") and args[0].endswith("]]"):
            self._sugarcube_dropped(inner)
            return args[0]
        label = _literal(args[0]) if args else None
        target = _literal(args[1]) if len(args) > 1 else None
        converted = self.sugarcube(inner)
        if target is None and _GOTO in converted:
            target = converted.split(_GOTO)[1]
        elif target is None and _RESTART in converted:
            target = self.start_name
        if label is None or target is None:
            self.macro(f"<<{name}>>")
            return converted.replace(_GOTO, "").replace(_RESTART, "")
        self._sugarcube_dropped(inner)
        return f"[[{label}->{target}]]"

    def _sugarcube_dropped(self, inner: str) -> None:
        for match in _SUGARCUBE_MACRO_RE.finditer(inner):
            if not match.group(1) and match.group(2).lower() not in ("goto", "restart"):
                self.macro(f"<<{match.group(2).lower()}>>")

    # -- Harlowe macros and hooks
    def harlowe(self, text: str) -> str:
        out: list[str] = []
        index = 0
        while True:
            match = _HARLOWE_MACRO_RE.search(text, index)
            if match is None:
                out.append(text[index:])
                break
            end = _matching(text, match.start(), "(", ")")
            if end < 0:
                out.append(text[index:])
                break
            out.append(text[index : match.start()])
            name = match.group(1)
            args = _harlowe_args(text[match.end() : end])
            index = end + 1
            hook = None
            if text.startswith("[", index) and not text.startswith("[[", index):
                hook_end = _matching(text, index, "[", "]")
                if hook_end > 0:
                    hook = self.harlowe(text[index + 1 : hook_end])
                    index = hook_end + 1
            out.append(self._harlowe_macro(name, [_literal(a) for a in args], hook))
        return _NAMED_HOOK_RE.sub("", "".join(out))

    def _harlowe_macro(self, written: str, args: list[str | None], hook: str | None) -> str:
        kept = hook or ""
        name = _harlowe_name(written)
        if name == "clickgoto" and len(args) > 1 and args[0] is None and args[1] is not None:
            args = [args[1], args[1]]  # '(click-goto: ?hook, "T")': the hook is the link, so name the choice T
        if name in ("linkgoto", "clickgoto", "linkrevealgoto") and args and all(a is not None for a in args[:2]):
            label, target = (args[0], args[1] if len(args) > 1 else args[0])
            if name == "linkrevealgoto":
                self._dropped_hook(hook)
            return f"[[{label}->{target}]]"
        if name == "goto" and args and args[0] is not None:
            return _GOTO + args[0] + _GOTO
        if name in ("restart", "reload"):
            return _RESTART
        if name in ("link", "linkreveal", "linkrepeat", "click", "linkrerun") and args and args[0] is not None:
            if _GOTO in kept:
                return f"[[{args[0]}->{kept.split(_GOTO)[1]}]]"
            if _RESTART in kept:
                return f"[[{args[0]}->{self.start_name}]]"
        self.macro(f"({written.lower()}:)")
        return kept.replace(_GOTO, "").replace(_RESTART, "")

    def _dropped_hook(self, hook: str | None) -> None:
        if hook and hook.strip():
            self.note(_("the text revealed by (link-reveal-goto:) was dropped"))

    # -- gotos left at the top level become choices
    def gotos(self, text: str, label: str) -> str:
        if _GOTO in text:
            self.note(_("(go-to:)/<<goto>> became a choice labelled 'Continue'; reword it"))
            text = re.sub(f"{_GOTO}(.*?){_GOTO}", lambda m: f"\n[[{label}->{m.group(1)}]]\n", text)
        if _RESTART in text:
            text = text.replace(_RESTART, f"\n[[Play again->{self.start_name}]]\n")
        return text

    # -- files the scenario does not have
    def files(self, text: str) -> str:
        def reference(kind: str, ref: str) -> str | None:
            """The path to write for a reference: kept if remote or copied; None if removed (with a warning)."""
            if re.match(r"(?i)^(https?:|mailto:|#)", ref):
                return ref
            copied = self.has_file(ref)
            if copied is None:
                self.note(_("{kind} '{ref}' was removed; the importer has no copy of that file", kind=kind, ref=ref))
            return copied

        def media(match: re.Match[str]) -> str:
            ref = match.group(3) if match.group(2) else match.group(4)
            new = reference(match.group(1).lower(), ref)
            if new is None:
                return ""
            tag = match.group(0)
            at = match.start(3 if match.group(2) else 4) - match.start()
            value = new if match.group(2) else f'"{new}"'  # an unquoted value gets quotes: a path may need them
            return tag[:at] + value + tag[at + len(ref):]

        def style(match: re.Match[str]) -> str:
            def url(found: re.Match[str]) -> str:
                ref = found.group(2).strip()
                if re.match(r"(?i)^(https?:|data:|#)", ref):
                    return found.group(0)
                self.note(_("style image '{ref}' was removed; scenarios have no styles", ref=ref))
                return "none"

            return _CSS_URL_RE.sub(url, match.group(0))

        def md_image(match: re.Match[str]) -> str:
            new = reference("image", match.group(2))
            return "" if new is None else f"![{match.group(1)}]({new}{match.group(3) or ''})"

        def sugarcube_image(match: re.Match[str]) -> str:
            new = reference("image", match.group(2).strip())
            return "" if new is None else f"![{match.group(1) or ''}]({new})"

        def anchor(match: re.Match[str]) -> str:
            href = match.group(3)
            if re.match(r"(?i)^(https?:|mailto:|#)", href) or "data-passage" in match.group(0):
                return match.group(0)
            self.note(_("link to file '{href}' was removed (its text was kept)", href=href))
            return match.group(5)

        def md_link(match: re.Match[str]) -> str:
            href = match.group(2)
            if re.match(r"(?i)^(https?:|mailto:|#)", href):
                return match.group(0)
            new = reference("link to file", href)
            return match.group(1) if new is None else f"[{match.group(1)}]({new})"

        text = _MEDIA_TAG_RE.sub(media, text)
        text = _STYLE_ATTR_RE.sub(style, text)
        text = _MD_IMAGE_RE.sub(md_image, text)
        text = _SUGARCUBE_IMAGE_RE.sub(sugarcube_image, text)
        text = _HREF_RE.sub(anchor, text)
        return _MD_LINK_RE.sub(md_link, text)

    # -- Harlowe/SugarCube markup where Markdown has an equivalent
    def markup(self, text: str) -> str:
        text = _BOLD_RE.sub(r"**\1**", text)
        text = _ITALIC_RE.sub(r"*\1*", text)
        if self.uses("sugarcube"):
            # SugarCube's '__x__' underlines (Markdown would make it bold); the sanitiser keeps <u>.
            text = _UNDERLINE_RE.sub(r"<u>\1</u>", text)
        lines = []
        for line in text.split("\n"):
            match = _HEADING_RE.match(line)
            if match and not line.startswith("!["):
                # '##' starts a node, so Twine's headings start at level 3.
                line = "#" * max(3, len(match.group(1)) + 1) + " " + match.group(2)
            elif self.format == "sugarcube" and (item := _SUGARCUBE_LIST_RE.match(line)):
                # SugarCube's '# item' is a numbered list line, not a heading ('## item' is one level in).
                line = "    " * (len(item.group(1)) - 1) + "1. " + line[item.end():]
            lines.append(line)
        text = "\n".join(lines)
        if self.format == "harlowe" and "{" in text:
            text = text.replace("{", "").replace("}", "")  # Harlowe's whitespace-collapsing braces
        return text


# ---------------------------------------------------------------- links and choices


def _take_links(passage: _Passage, text: str) -> str:
    """Move the passage's links into passage.links; return the prose.

    A line holding only links (in a list or not, with separators like '|')
    is dropped; a link inside a sentence leaves its text in the sentence.
    Annotations after a lone link and a quote indented under it are the choice's.
    """
    out: list[str] = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        links = _find_links(line)
        if not links:
            out.append(line)
            continue
        item = list_item(line)
        content = item if item is not None else line.strip()
        leftover = content
        found = []
        for _start, _end, inner in _find_links(content):
            label, target = _link_parts(inner)
            found.append(_Link(label, target))
            leftover = leftover.replace(f"[[{inner}]]", "\x00", 1)
        rest = leftover.split("\x00")[-1].strip()
        if len(found) == 1 and _is_annotation_list(rest):
            found[0].annotations = rest
            leftover = leftover[: leftover.rindex("\x00") + 1]
        if not any(c.isalnum() for c in leftover.replace("\x00", "")):
            passage.links.extend(found)
            if item is not None and len(found) == 1:
                while index < len(lines) and _feedback_line(lines, index, bool(found[0].feedback)):
                    found[0].feedback.append(lines[index])
                    index += 1
                while found[0].feedback and not found[0].feedback[-1].strip():
                    found[0].feedback.pop()
            continue
        passage.links.extend(found)
        for start, end, inner in reversed(links):
            line = line[:start] + _link_parts(inner)[0] + line[end:]
        out.append(line)
    return "\n".join(out)


def _feedback_line(lines: list[str], index: int, started: bool) -> bool:
    """Whether lines[index] belongs to the feedback quote indented under the choice above."""
    line = lines[index]
    if not line.strip():
        return (
            started and index + 1 < len(lines) and lines[index + 1][:1] in (" ", "\t")
            and bool(lines[index + 1].strip())
        )
    return line.strip().startswith(">") or (started and line[:1] in (" ", "\t"))


def _resolve(target: str, by_name: dict[str, _Passage]) -> _Passage | None:
    """The passage a link goes to: its exact name, as Twine matches, else the name with whitespace tidied."""
    if target in by_name:
        return by_name[target]
    tidy = " ".join(target.split())
    for name, passage in by_name.items():
        if " ".join(name.split()) == tidy:
            return passage
    return None


def _finish_body(text: str, separate_lists: bool) -> str:
    lines: list[str] = []
    for line in text.split("\n"):
        if atx_heading(line, 2) is not None:
            line = "\\" + line.lstrip()  # a '## ' line would start a new node
        previous = lines[-1] if lines else ""
        if separate_lists and line.strip() and line[:1] not in " \t" and previous.strip():
            # Twine lists may touch the lines around them. Markdown needs a blank line before a list, and
            # after one, or the next line joins the last item (and choices below would join the prose list).
            if list_item(line) is not None:
                if previous[:1] not in " \t" and list_item(previous) is None:
                    lines.append("")
            elif list_item(previous.lstrip()) is not None:
                lines.append("")
        lines.append(line)  # trailing spaces kept: two of them are a Markdown line break
    return re.sub(r"\n(?:[ \t]*\n){2,}", "\n\n", "\n".join(lines)).strip("\n")


def _last_list_bullet(body: str) -> str | None:
    """The bullet of a list the body ends with (a blank line apart still continues a list in CommonMark)."""
    for line in reversed(body.split("\n")):
        if not line.strip() or line[:1] in (" ", "\t"):
            continue
        return line.lstrip()[0] if list_item(line) is not None and line.lstrip()[:1] in "-*+" else None
    return None


def _choice_lines(passage: _Passage) -> list[str]:
    # The choices must be a list of their own: if the prose ends with a '-' list, they use '*' (CommonMark
    # starts a new list when the bullet changes; `lms check` follows it).
    bullet = "*" if _last_list_bullet(passage.body) == "-" else "-"
    out = []
    for link, target in passage.choices:
        text = _escape_brackets(link.text) or _escape_brackets(target.name) or target.id
        line = f"{bullet} [{text}](#{target.id})"
        if link.annotations:
            line += " " + link.annotations
        out.append(line)
        out.extend(link.feedback)
    return out


# ---------------------------------------------------------------- the story


def _story_format(data: dict[str, object]) -> str:
    name = str(data.get("format", "")).lower()
    return next((f for f in ("harlowe", "sugarcube", "snowman", "chapbook") if f in name), "")


def convert_story(
    sources: Sequence[tuple[str, str]], has_file: Callable[[str], str | None] | None = None,
) -> TweeImport:
    """Convert Twee sources (name, text) read as one story into scenario Markdown.

    `has_file(ref)` says where a relative file reference goes in the scenario
    folder ('assets/...') when the importer has the file; None removes it.
    """
    warnings: list[Message] = []
    files: dict[str, Path] = {}
    passages: list[_Passage] = []
    for _name, text in sources:
        passages.extend(_split_passages(text, len(passages)))
    title, start_name, data = "Imported scenario", None, {}
    story: list[_Passage] = []
    settings: _Passage | None = None
    for passage in passages:
        if passage.name == "StoryTitle":
            title = passage.text.strip().split("\n")[0].strip() or title
        elif passage.name == "StoryData":
            try:
                loaded = json.loads(passage.text or "{}")
            except ValueError:
                warnings.append(_("StoryData is not valid JSON; its start passage and story format were not read"))
                loaded = {}
            data = loaded if isinstance(loaded, dict) else {}
            start_name = data.get("start") if isinstance(data.get("start"), str) else None
        elif SETTINGS_TAG in passage.tags:
            settings = passage
        elif passage.name in SPECIAL or CODE_TAGS & set(passage.tags):
            warnings.append(_("passage '{passage_name}' (special or code) was left out", passage_name=passage.name))
        else:
            story.append(passage)
    if not story:
        raise ContentError(_("the story has no passages to import"))
    by_name: dict[str, _Passage] = {}
    for passage in story:
        if passage.name in by_name:
            warnings.append(_("two passages are named '{passage_name}'; links go to the first",
                              passage_name=passage.name))
        by_name.setdefault(passage.name, passage)
    start = _start_passage(start_name, by_name, story, warnings)
    _assign_ids(story)
    story_format = _story_format(data)

    def has(ref: str) -> str | None:
        return has_file(ref) if has_file is not None else None

    for passage in story:
        converter = _Converter(passage, story_format, start.name, warnings, has)
        prose = _take_links(passage, converter.convert(passage.text))
        if passage.macros:
            warnings.append(
                _n("passage '{passage_name}': macro {items} removed (any text inside was kept); scenarios have no "
                   "macros or variables, so redo this with 'if NODE' on choices",
                   "passage '{passage_name}': macros {items} removed (any text inside was kept); scenarios have no "
                   "macros or variables, so redo this with 'if NODE' on choices",
                   len(passage.macros), passage_name=passage.name, items=", ".join(passage.macros)))
        if story_format != "snowman" and story_format != "chapbook":
            variables = list(dict.fromkeys(_VARIABLE_RE.findall(prose)))
            if variables:
                warnings.append(_("passage '{passage_name}': variables ({items}) were left as text; "
                                "scenarios have no variables", passage_name=passage.name, items=', '.join(variables)))
        # A story from `lms export-twee` is Markdown as the LMS reads it already: no blank lines added.
        passage.body = _finish_body(prose, separate_lists=settings is None)
    endings: dict[str, list[str]] = {outcome: [] for outcome in OUTCOME_TAGS}
    for passage in story:
        seen: set[tuple[str, str]] = set()
        for link in passage.links:
            target = _resolve(link.target, by_name)
            if target is None:
                warnings.append(_("passage '{passage_name}': link to missing passage '{target}' was dropped",
                                  passage_name=passage.name, target=link.target))
            elif settings is not None or (link.text, target.id) not in seen:
                # The same link twice in a Twine passage is one choice; an exported scenario's choices are all kept.
                seen.add((link.text, target.id))
                passage.choices.append((link, target))
        if passage is not start and passage.choices and all(t is start for _label, t in passage.choices):
            # A 'Play again' link from a passage with no other way on: the passage is an ending.
            # "note: " stays English, like the severity words of `lms check`: the CLI sorts on it.
            warnings.append(untranslated("note: {note}", note=_(
                "passage '{passage_name}' only links back to the start ('{start_name}'), so it is "
                "an ending and that link was dropped; the player offers 'play again' itself",
                passage_name=passage.name, start_name=start.name)))
            passage.choices = []
        outcome = next((t for t in passage.tags if t in OUTCOME_TAGS), None)
        if not passage.choices:
            endings[outcome or "neutral"].append(passage.id)
        elif outcome:
            warnings.append(_("passage '{passage_name}' is tagged '{outcome}' but has links, so it is not an ending",
                              passage_name=passage.name, outcome=outcome))
    front, briefing = _settings(settings, warnings)
    if settings is not None:  # the briefing may show files too
        briefing = _Converter(settings, story_format, start.name, warnings, has).files(briefing)
    front = {"title": title, **front, "start": start.id, "endings": {k: v for k, v in endings.items() if v}}
    sections = []
    for passage in story:
        section = f"## {passage.id}\n"
        if passage.name != passage.id:  # keep the Twine name for the trainer
            section += f"<!-- Twine passage: {passage.name.replace('--', '- -')} -->\n"
        parts = [p for p in (passage.body, "\n".join(_choice_lines(passage))) if p]
        section += "\n\n".join(parts)
        sections.append(section.rstrip() + "\n")
    header = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, default_flow_style=None, width=1000)
    markdown = f"---\n{header}---\n{briefing}\n\n" + "\n".join(sections)
    return TweeImport(markdown, warnings, title, files)


def _start_passage(start_name: str | None, by_name: dict[str, _Passage], story: list[_Passage],
                   warnings: list[Message]) -> _Passage:
    """StoryData's start, else the passage named 'Start' (Twine's default), else the first passage."""
    if start_name is not None:
        found = _resolve(start_name, by_name)
        if found is not None:
            return found
        if "Start" in by_name:
            warnings.append(_("StoryData start '{start_name}' is not a passage; 'Start' is the start",
                              start_name=start_name))
        else:
            warnings.append(_("StoryData start '{start_name}' is not a passage; the first passage is the start",
                              start_name=start_name))
    return by_name.get("Start") or story[0]


def _settings(settings: _Passage | None, warnings: list[Message]) -> tuple[dict[str, object], str]:
    """The front matter (without title, start, endings) and briefing kept in an exported story's settings passage."""
    if settings is None:
        warnings.append(_("the summary is a placeholder: write one or two sentences for the catalogue"))
        return {"summary": PLACEHOLDER_SUMMARY}, PLACEHOLDER_BRIEFING
    text = settings.text
    data: object = {}
    briefing = text
    if text.startswith("---\n"):
        end = text.find("\n---", 3)
        if end >= 0:
            try:
                data = yaml.safe_load(text[4:end]) or {}
            except yaml.YAMLError:
                warnings.append(_("passage '{settings_name}': its front matter is not valid YAML and was left out",
                                  settings_name=settings.name))
            briefing = text[end + 4 :].lstrip("-").strip("\n")
    if not isinstance(data, dict):
        data = {}
    for key in ("title", "start", "endings"):
        if key in data:
            warnings.append(_("passage '{settings_name}': '{key}' comes from the story itself "
                            "(StoryTitle, the start passage, the pass/fail/neutral tags), so this one was ignored",
                            settings_name=settings.name, key=key))
            del data[key]
    if "summary" not in data:
        warnings.append(_("the summary is a placeholder: write one or two sentences for the catalogue"))
        data = {"summary": PLACEHOLDER_SUMMARY, **data}
    return data, briefing.strip("\n")  # a scenario may have no briefing: an empty one stays empty


def convert_twee(text: str) -> tuple[str, list[str]]:
    """Convert one Twee source to scenario Markdown; also return what could not be converted (in English)."""
    result = convert_story([("story.twee", text)])
    return result.markdown, [str(warning) for warning in result.warnings]


# ---------------------------------------------------------------- files


def _file_finder(base: Path, copies: dict[str, Path]) -> Callable[[str], str | None]:
    """has_file for convert_story: a reference to an existing file inside `base` goes to assets/."""
    root = base.resolve()

    def has_file(ref: str) -> str | None:
        clean = ref.split("#", 1)[0].split("?", 1)[0]
        posix = PurePosixPath(clean)
        if not clean or posix.is_absolute() or ".." in posix.parts or ":" in clean:
            return None
        found = (base / clean).resolve()
        if not found.is_relative_to(root) or not found.is_file():
            return None
        dest = str(posix) if posix.parts[0] == "assets" else f"assets/{posix}"
        copies[dest] = found
        return dest

    return has_file


def _story_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentError(_("{path} is not UTF-8 text (byte 0x{byte:02x}); export the story from Twine again, or "
                             "save the file as UTF-8 in your editor",
                             path=str(path), byte=exc.object[exc.start])) from None


def import_story(paths: Sequence[Path]) -> TweeImport:
    """Read Twee files or tweego-style folders as one story and convert it."""
    files, warnings, base = story_files(paths)
    sources = [(str(p), _story_text(p)) for p in files]
    copies: dict[str, Path] = {}
    result = convert_story(sources, _file_finder(base, copies))
    result.warnings[:0] = warnings
    result.assets = copies
    return result


def scenario_id_for(paths: Sequence[Path], title: str) -> str:
    """The scenario id: the file's or folder's name for one, the story's title for several."""
    if len(paths) > 1:
        return slugify(title) or "imported-scenario"
    name = paths[0].resolve().name if paths[0].is_dir() else paths[0].stem
    return slugify(name) or slugify(title) or "imported-scenario"


def write_twee_scenario(
    src: Path | Sequence[Path], out_dir: Path, translate: Callable[[Message], str] = str,
) -> tuple[Path, list[str]]:
    """Import a story into out_dir: <id>.md, or <id>/scenario.md with assets/ when it uses files we have.

    The warnings come back as `translate` words them: in English unless it is given.
    """
    paths = [src] if isinstance(src, Path) else list(src)
    result = import_story(paths)
    scenario_id = scenario_id_for(paths, result.title)
    out_dir.mkdir(parents=True, exist_ok=True)
    if result.assets:
        folder = out_dir / scenario_id
        for dest, source in result.assets.items():
            (folder / dest).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, folder / dest)
        target = folder / "scenario.md"
    else:
        target = out_dir / f"{scenario_id}.md"
    target.write_text(result.markdown, encoding="utf-8")
    return target, [translate(warning) for warning in result.warnings]
