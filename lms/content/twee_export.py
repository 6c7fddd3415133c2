"""Export a scenario as a Twine story (Twee 3), so authors can lay it out on Twine's story map.

One passage per node, named by its id, its text the node's Markdown as written
with each choice `- [text](#target) (+2, red line)` turned into
`- [[text->target]] (+2, red line)` and its feedback quote left under it.
Endings are tagged with their outcome (`pass`, `fail`, `neutral`), the start is
StoryData's `start`, and a passage tagged `lms-scenario` keeps the rest of the
front matter and the briefing. The story format is Snowman, whose passages are
Markdown. `lms import-twee` reads all of this back into the same scenario.
Translations (NAME.LANG.md) stay out of the story; a warning names each.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path

import yaml

from .blocks import Pieces, list_item
from .frontmatter import split_document
from .messages import ContentError, Message, _, untranslated
from .problems import Problems
from .scenario import choice_link, parse_scenario_body
from .source import atx_heading, id_in_words, outside_fences
from .translations import split_translation
from .twee import OUTCOME_TAGS, SETTINGS_TAG

STORY_FORMAT = ("Snowman", "2.0.2")
SETTINGS_PASSAGE = "Scenario settings"
TAG_COLOURS = {"pass": "green", "fail": "red", "neutral": "yellow", SETTINGS_TAG: "purple"}


def scenario_source(path: Path) -> Path:
    """The Markdown file of a scenario given as its file or its folder; ContentError if it is neither."""
    source = path / "scenario.md" if path.is_dir() else path
    if not source.is_file() or source.suffix != ".md":
        raise ContentError(_("{path} is not a scenario: give a scenario's .md file, or its folder with a "
                             "scenario.md in it", path=str(path)))
    return source


def translation_files(source: Path) -> list[str]:
    """The names of the scenario's translations (NAME.LANG.md beside its Markdown file), sorted."""
    return sorted(entry.name for entry in source.parent.iterdir()
                  if (found := split_translation(entry.name)) is not None and found[0] == source.name
                  and entry.is_file())


def _twee_line(line: str) -> str:
    """A passage line as Twee writes it: one starting with '::' (like '::: if NODE') is escaped."""
    return "\\" + line if line.startswith("::") else line


def _link_text(text: str) -> str:
    """Choice text for inside [[...]]: brackets escaped, so a ']]' in it cannot end the link."""
    return re.sub(r"(?<!\\)([\[\]])", r"\\\1", text)


def _positions(nodes: list[str], edges: dict[str, list[str]], start: str) -> dict[str, tuple[int, int]]:
    """Story map places: one column per step from the start, unreachable nodes in a last column."""
    depth = {start: 0} if start in edges else {}
    queue = deque(depth)
    while queue:
        current = queue.popleft()
        for target in edges.get(current, ()):
            if target in edges and target not in depth:
                depth[target] = depth[current] + 1
                queue.append(target)
    last = max(depth.values(), default=-1) + 1
    rows: dict[int, int] = {}
    places = {}
    for node in nodes:
        column = depth.get(node, last)
        rows[column] = rows.get(column, 0) + 1
        places[node] = (100 + 175 * column, 100 * 1 + 150 * (rows[column] - 1))
    return places


def export_twee(path: Path, translate: Callable[[Message], str] = str) -> tuple[str, list[str]]:
    """A scenario (its .md file or its folder) as Twee 3 text, and warnings about what looked wrong.

    The warnings come back as `translate` words them: in English unless it is given.
    """
    source = scenario_source(path)
    text = source.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    problems = Problems()
    doc = split_document(text, source.name, problems)
    if not doc.meta.present:
        raise ContentError(_("{source} has no front matter, so it is not a scenario", source=source))
    body = parse_scenario_body(doc.body, doc.body_line, source.name, problems, Pieces())
    warnings: list[Message] = [
        untranslated("{path}:{line}: {message}", path=p.path, line=p.line, message=p.translatable or p.message)
        for p in problems.items if p.is_error
    ]
    if warnings:
        warnings.insert(0, _("the scenario has errors (run `lms check`); it was exported as it is"))
    warnings += [_("translation '{name}' was not exported (Twine has one language); it still pairs with the "
                   "scenario's node ids, so keep it beside the scenario you import back and run `lms check`", name=name)
                 for name in translation_files(source)]
    lines = doc.body.split("\n")
    headings = [index for index, line in outside_fences(lines) if atx_heading(line, 2) is not None]
    drafts = {draft.line - doc.body_line: draft for draft in body.nodes}
    meta = dict(doc.meta.data)
    scenario_id = source.parent.name if source.name == "scenario.md" else source.stem
    title = str(meta.pop("title", "") or id_in_words(scenario_id))
    start = str(meta.pop("start", "") or (body.nodes[0].id if body.nodes else ""))
    endings = meta.pop("endings", None) or {}
    outcome = {
        str(node): str(kind) for kind, ids in (endings.items() if isinstance(endings, dict) else ())
        if kind in OUTCOME_TAGS for node in (ids if isinstance(ids, list) else [ids])
    }
    passages: list[tuple[str, list[str], str]] = []
    edges: dict[str, list[str]] = {}
    for position, heading in enumerate(headings):
        draft = drafts.get(heading)
        if draft is None:
            continue  # a duplicate or invalid heading: `lms check` reports it; it has no node to export
        stop = headings[position + 1] if position + 1 < len(headings) else len(lines)
        raw = lines[heading + 1 : stop]
        for choice in draft.choices:
            offset = choice.line - draft.line - 1
            link = choice_link(list_item(raw[offset]) or "")
            if link is None:
                continue
            choice_text, target, rest = link
            prefix = raw[offset][: raw[offset].index("[")]
            raw[offset] = f"{prefix}[[{_link_text(choice_text)}->{target}]]" + (f" {rest}" if rest else "")
        edges[draft.id] = [choice.target for choice in draft.choices]
        tags = [outcome[draft.id]] if draft.id in outcome else []
        passages.append((draft.id, tags, "\n".join(_twee_line(line) for line in raw).strip("\n")))
    places = _positions([name for name, _tags, _text in passages], edges, start)
    briefing = "\n".join(lines[: headings[0] if headings else len(lines)]).strip("\n")
    settings = (
        "---\n" + (yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000) if meta else "") + "---\n"
    )
    data = {
        "ifid": str(uuid.uuid4()).upper(),
        "format": STORY_FORMAT[0],
        "format-version": STORY_FORMAT[1],
        "start": start,
        "tag-colors": TAG_COLOURS,
        "zoom": 1,
    }
    out = [f":: StoryTitle\n{title}\n", f":: StoryData\n{json.dumps(data, indent=2)}\n",
           f":: {SETTINGS_PASSAGE} [{SETTINGS_TAG}] {{\"position\":\"100,-100\",\"size\":\"100,100\"}}\n"
           + "\n".join(_twee_line(line) for line in (settings + briefing).split("\n")).rstrip("\n") + "\n"]
    for name, tags, passage_text in passages:
        x, y = places[name]
        tag_text = f" [{' '.join(tags)}]" if tags else ""
        out.append(f":: {name}{tag_text} {{\"position\":\"{x},{y}\",\"size\":\"100,100\"}}\n{passage_text}\n")
    return "\n".join(out), [translate(warning) for warning in warnings]


def write_twee(path: Path, output: Path, translate: Callable[[Message], str] = str) -> list[str]:
    """Write the scenario at `path` as a Twee file; a folder scenario's assets/ are copied next to it."""
    text, warnings = export_twee(path, translate)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    assets = path / "assets"
    if path.is_dir() and assets.is_dir() and not assets.is_symlink():
        shutil.copytree(assets, output.parent / "assets", dirs_exist_ok=True, symlinks=False)
    return warnings
