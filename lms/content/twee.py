"""Import a Twine story (Twee 3 source) as a scenario in FORMAT.md syntax.

Passages become nodes, links become choices, passages tagged `pass`/`fail`
(or `neutral`) without links become endings. Scenarios have no variables, so
macros and `$variables` cannot be converted: each is reported as a warning
for the trainer to redo by hand (usually with `if NODE` on a choice).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .source import atx_heading

SPECIAL = {
    "StoryTitle", "StoryData", "StoryInit", "StoryMenu", "StoryAuthor", "StorySubtitle", "StoryCaption",
    "StoryBanner", "StoryInterface", "PassageReady", "PassageDone", "PassageHeader", "PassageFooter",
}
CODE_TAGS = {"script", "stylesheet", "widget", "Twine.private"}
OUTCOME_TAGS = ("pass", "fail", "neutral")

_HARLOWE_MACRO_RE = re.compile(r"\(([A-Za-z][\w-]*):")
_VARIABLE_RE = re.compile(r"(?<![\w$])\$[A-Za-z_]\w*")
_QUOTED_RE = re.compile(r"\"([^\"]*)\"|'([^']*)'")


@dataclass
class _Passage:
    name: str
    tags: list[str]
    text: str
    id: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, target passage name)


def slugify(name: str) -> str:
    """'The Post!' -> 'the-post'."""
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in name.lower()).split()
    return "-".join(words) or "node"


def _parse_header(line: str) -> tuple[str, list[str]]:
    """':: Name [tag tag] {"position":"1,2"}' -> (name, tags)."""
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
    return name, tags


def _split_passages(text: str) -> list[_Passage]:
    passages: list[_Passage] = []
    for line in text.replace("\r\n", "\n").lstrip("\ufeff").split("\n"):
        if line.startswith("::"):
            name, tags = _parse_header(line)
            passages.append(_Passage(name, tags, ""))
        elif passages:
            passages[-1].text += line + "\n"
    for passage in passages:
        passage.text = passage.text.strip("\n")
    return passages


def _link_parts(inner: str) -> tuple[str, str]:
    """Twine link syntaxes -> (text, target)."""
    if "|" in inner:
        text, target = inner.split("|", 1)
    elif "->" in inner:
        text, target = inner.rsplit("->", 1)
    elif "<-" in inner:
        target, text = inner.split("<-", 1)
    else:
        text = target = inner
    if "][" in target:  # SugarCube setter link: [[Text|Target][$x to 1]]
        target = target.split("][", 1)[0]
    return text.strip(), target.strip()


def _matching(text: str, start: int, open_char: str, close_char: str) -> int:
    """Index of the bracket closing the one at `start`, or -1."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == open_char:
            depth += 1
        elif text[index] == close_char:
            depth -= 1
            if depth == 0:
                return index
    return -1


def _convert_text(passage: _Passage, warn: list[str]) -> str:
    """Take links and macros out of a passage's text; keep the prose."""
    text = passage.text
    out: list[str] = []
    macros: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith("[[", index):
            end = text.find("]]", index + 2)
            if end < 0:
                out.append(text[index:])
                break
            label, target = _link_parts(text[index + 2 : end])
            if "][" in text[index + 2 : end]:
                warn.append(f"passage '{passage.name}': a link sets variables ([[...][...]]), which was dropped")
            passage.links.append((label, target))
            index = end + 2
            continue
        if text.startswith("<<", index):
            end = text.find(">>", index + 2)
            if end < 0:
                out.append(text[index:])
                break
            macros.append("<<" + text[index + 2 : end].split(" ", 1)[0] + ">>")
            index = end + 2
            continue
        match = _HARLOWE_MACRO_RE.match(text, index)
        if match:
            end = _matching(text, index, "(", ")")
            if end > 0:
                name = match.group(1).lower()
                args = [a or b for a, b in _QUOTED_RE.findall(text[match.end() : end])]
                if name in ("link-goto", "click-goto") and args:
                    passage.links.append((args[0], args[-1]))
                elif name == "goto" and args:
                    passage.links.append(("Continue", args[0]))
                    warn.append(f"passage '{passage.name}': (goto:) became a 'Continue' choice")
                else:
                    macros.append(f"({name}:)")
                index = end + 1
                continue
        out.append(text[index])
        index += 1
    if macros:
        names = ", ".join(dict.fromkeys(macros))
        warn.append(f"passage '{passage.name}': macros {names} were removed; scenarios have no macros or "
                    "variables, so redo this with 'if NODE' on choices")
    body = "".join(out)
    if _VARIABLE_RE.search(body):
        warn.append(f"passage '{passage.name}': variables ({', '.join(dict.fromkeys(_VARIABLE_RE.findall(body)))}) "
                    "were left as text; scenarios have no variables")
    if "{" in body and "}" in body:
        warn.append(f"passage '{passage.name}': braces {{...}} (hooks or inserts) were left as text")
    lines = []
    for line in body.split("\n"):
        if atx_heading(line, 2) is not None:
            line = "\\" + line.lstrip()  # a '## ' line would start a new node
        lines.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _escape_link_text(text: str) -> str:
    return " ".join(text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").split())


def convert_twee(text: str) -> tuple[str, list[str]]:
    """Convert Twee 3 source to scenario Markdown; also return what could not be converted."""
    warnings: list[str] = []
    passages = _split_passages(text)
    title, start_name = "Imported scenario", None
    story: list[_Passage] = []
    for passage in passages:
        if passage.name == "StoryTitle":
            title = passage.text.strip().split("\n")[0] or title
        elif passage.name == "StoryData":
            try:
                data = json.loads(passage.text or "{}")
                start_name = data.get("start") if isinstance(data, dict) else None
            except ValueError:
                warnings.append("StoryData is not valid JSON; the first passage is the start")
        elif passage.name in SPECIAL or CODE_TAGS & set(passage.tags):
            warnings.append(f"passage '{passage.name}' (special or code) was left out")
        else:
            story.append(passage)
    if not story:
        warnings.append("the story has no passages")
    by_name: dict[str, _Passage] = {}
    used: set[str] = set()
    for passage in story:
        base = slugify(passage.name)
        node_id, n = base, 2
        while node_id in used:
            node_id, n = f"{base}-{n}", n + 1
        used.add(node_id)
        passage.id = node_id
        by_name.setdefault(passage.name, passage)
    bodies = {p.id: _convert_text(p, warnings) for p in story}
    endings: dict[str, list[str]] = {outcome: [] for outcome in OUTCOME_TAGS}
    sections: list[str] = []
    for passage in story:
        choices = []
        for label, target in passage.links:
            if target not in by_name:
                warnings.append(f"passage '{passage.name}': link to missing passage '{target}' was dropped")
                continue
            choices.append(f"- [{_escape_link_text(label) or target}](#{by_name[target].id})")
        outcome = next((t for t in passage.tags if t in OUTCOME_TAGS), None)
        if not choices:
            endings[outcome or "neutral"].append(passage.id)
        elif outcome:
            warnings.append(f"passage '{passage.name}' is tagged '{outcome}' but has links, so it is not an ending")
        section = f"## {passage.id}\n"
        if passage.name != passage.id:  # keep the Twine name for the trainer
            section += f"<!-- Twine passage: {passage.name.replace('--', '- -')} -->\n"
        section += "\n" + (bodies[passage.id] + "\n\n" if bodies[passage.id] else "") + "\n".join(choices)
        sections.append(section.rstrip() + "\n")
    start = by_name[start_name].id if start_name in by_name else (story[0].id if story else "start")
    if start_name and start_name not in by_name:
        warnings.append(f"StoryData start '{start_name}' is not a passage; the first passage is the start")
    warnings.append("the summary is a placeholder: write one or two sentences for the catalogue")
    front = {
        "title": title,
        "summary": "TODO: one or two sentences for the catalogue.",
        "start": start,
        "endings": {k: v for k, v in endings.items() if v},
    }
    header = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, default_flow_style=None)
    briefing = "Imported from Twine. Write the briefing here: what the trainee should know before starting."
    return f"---\n{header}---\n{briefing}\n\n" + "\n".join(sections), warnings


def write_twee_scenario(src: Path, out_dir: Path) -> tuple[Path, list[str]]:
    """Convert a .twee file to out_dir/<slug of its name>.md; return the path and the warnings."""
    markdown_text, warnings = convert_twee(src.read_text(encoding="utf-8-sig"))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{slugify(src.stem)}.md"
    target.write_text(markdown_text, encoding="utf-8")
    return target, warnings
