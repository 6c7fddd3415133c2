"""Scenarios: branching role-plays, their parsing and the graph rules of FORMAT.md 4.3."""

from __future__ import annotations

import datetime
import math
import re
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal, TypeVar

from .blocks import Pieces, dedent_quote, list_item
from .course import review_due
from .messages import _
from .problems import Problems
from .source import SLUG_HELP, atx_heading, is_slug, outside_fences, suggest, suggest_inline

Outcome = Literal["pass", "fail", "neutral"]
OUTCOMES: tuple[str, ...] = ("pass", "fail", "neutral")


@dataclass(frozen=True)
class Condition:
    """Offer a choice only if the run has (negate=False) or has not visited `node`."""

    node: str
    negate: bool = False

    def holds(self, visited: frozenset[str]) -> bool:
        return (self.node in visited) != self.negate


@dataclass(frozen=True)
class ConditionalHtml:
    """A part of a node's body or a choice's feedback, shown only when its condition holds (7.4)."""

    html: str
    condition: Condition | None = None

    def shown(self, visited: frozenset[str]) -> bool:
        return self.condition is None or self.condition.holds(visited)


def join_shown(parts: tuple[ConditionalHtml, ...], visited: frozenset[str]) -> str:
    """The HTML of the parts whose condition holds, in order."""
    return "\n".join(part.html for part in parts if part.html and part.shown(visited))


@dataclass(frozen=True)
class PassBlocker:
    """Why pass_requires / pass_forbids stop a run from passing (FORMAT.md 7.3)."""

    kind: Literal["missing", "forbidden"]
    node: str


@dataclass(frozen=True)
class Choice:
    index: int  # 0-based within its node
    text_html: str  # inline HTML: the link text
    target: str
    score: int = 0
    red_line: bool = False
    condition: Condition | None = None
    feedback_html: str = ""  # the feedback's unconditional parts
    line: int = 0
    pin: bool = False  # keeps its place when the node's choices are shuffled
    skills: tuple[str, ...] = ()  # 'skill NAME' annotations, in the order written
    feedback_parts: tuple[ConditionalHtml, ...] = ()

    def feedback_for(self, visited: frozenset[str]) -> str:
        """The feedback for a run that visited `visited`, up to and including this choice's node."""
        if not self.feedback_parts:
            return self.feedback_html
        return join_shown(self.feedback_parts, visited)

    def available(self, visited: frozenset[str]) -> bool:
        return self.condition is None or self.condition.holds(visited)


@dataclass(frozen=True)
class Node:
    id: str
    line: int
    body_html: str  # the situation: no choice list, no 'Content note:' line
    content_note: tuple[str, ...]
    choices: tuple[Choice, ...]
    body_parts: tuple[ConditionalHtml, ...] = ()

    def body_for(self, visited: frozenset[str]) -> str:
        """The situation for a run that visited `visited` before arriving here."""
        if not self.body_parts:
            return self.body_html
        return join_shown(self.body_parts, visited)

    @property
    def is_ending(self) -> bool:
        return not self.choices


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    summary: str
    topic: str | None
    audience: str
    content_notes: tuple[str, ...]
    minutes: int
    start: str
    endings: Mapping[str, tuple[str, ...]]  # outcome -> node ids
    pass_score: int | None
    briefing_html: str
    nodes: Mapping[str, Node]  # in file order
    path: Path
    assets_dir: Path | None
    max_score: int | None = None  # best score of any run; None when loops make it unbounded
    shuffle: bool = True
    pass_requires: tuple[str, ...] = ()
    pass_forbids: tuple[str, ...] = ()
    skills: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # name -> label
    reviewed: datetime.date | None = None
    review_every_months: int | None = None
    language: str | None = None  # a translation's language code (FORMAT.md 8); None: the original
    #: The parts of its own text (title, summary, topic, content_notes) a translation left in the original.
    original_parts: frozenset[str] = frozenset()
    translations: Mapping[str, Scenario] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False,
    )
    _outcomes: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        outcomes = {node: outcome for outcome, ids in self.endings.items() for node in ids}
        object.__setattr__(self, "_outcomes", MappingProxyType(outcomes))

    def node(self, node_id: str) -> Node | None:
        return self.nodes.get(node_id)

    def localised(self, language: str | None) -> Scenario:
        """This scenario in `language` where a translation exists (FORMAT.md 8), else the original."""
        if language is None or language == self.language:
            return self
        return self.translations.get(language, self)

    def outcome_of(self, node_id: str) -> str | None:
        """'pass', 'fail' or 'neutral' for an ending, None for any other node."""
        return self._outcomes.get(node_id)

    @property
    def has_pass_endings(self) -> bool:
        return bool(self.endings.get("pass"))

    @property
    def review_due(self) -> datetime.date | None:
        return review_due(self.reviewed, self.review_every_months)

    def pass_blockers(self, visited: Collection[str]) -> tuple[PassBlocker, ...]:
        """What pass_requires / pass_forbids hold against a run that visited `visited`; empty: nothing."""
        seen = visited if isinstance(visited, (set, frozenset)) else frozenset(visited)
        missing = tuple(PassBlocker("missing", node) for node in self.pass_requires if node not in seen)
        forbidden = tuple(PassBlocker("forbidden", node) for node in self.pass_forbids if node in seen)
        return missing + forbidden

    def route_passes(self, visited: Collection[str], score: int, ending_node: str, crossed_red_line: bool) -> bool:
        """Whether a finished run passes: the rule the player and `lms check --paths` share.

        A run passes when it ends at a 'pass' ending, crossed no red line, scored at
        least pass_score (when set), and pass_requires / pass_forbids allow it.
        """
        if crossed_red_line or self.outcome_of(ending_node) != "pass":
            return False
        if self.pass_score is not None and score < self.pass_score:
            return False
        return not self.pass_blockers(visited)

    def recommended_choice(self, node_id: str, visited: frozenset[str]) -> Choice | None:
        """The best-scoring available choice that crosses no red line (first on a tie)."""
        node = self.nodes.get(node_id)
        if node is None:
            return None
        best: Choice | None = None
        for choice in node.choices:
            if choice.red_line or not choice.available(visited):
                continue
            if best is None or choice.score > best.score:
                best = choice
        return best


# ---------------------------------------------------------------- parsing


@dataclass
class _ChoiceDraft:
    line: int
    text: str
    target: str
    score: int = 0
    red_line: bool = False
    condition: Condition | None = None
    pin: bool = False
    skills: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    text_piece: int = -1
    feedback_line: int = 0
    feedback_parts: list[PartDraft] = field(default_factory=list)


@dataclass
class _NodeDraft:
    id: str
    line: int
    content_note: tuple[str, ...] = ()
    body_parts: list[PartDraft] = field(default_factory=list)
    choices: list[_ChoiceDraft] = field(default_factory=list)
    words: int = 0


@dataclass
class PartDraft:
    """A run of text shown always (condition None) or under '::: if NODE' (FORMAT.md 7.4)."""

    piece: int
    condition: Condition | None
    line: int  # of the '::: if' line; 0 for unconditional text


def split_conditional(
    lines: list[str], first: int, rel: str, problems: Problems, pieces: Pieces,
) -> list[PartDraft]:
    """Split text at '::: if NODE' / '::: if not NODE' ... ':::' lines into parts, each its own piece.

    `first` is the line number of lines[0]. Blocks do not nest; a block never
    closed and a ':::' with no block open are errors.
    """
    if not any(line.lstrip().startswith(":::") for line in lines):
        return [PartDraft(pieces.add("\n".join(lines).strip("\n")), None, 0)]
    parts: list[PartDraft] = []
    current: list[str] = []
    condition: Condition | None = None
    opened = 0
    for offset, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith(":::"):
            current.append(line)
            continue
        number = first + offset
        rest = " ".join(stripped[3:].split())
        if not rest:
            if condition is None:
                problems.error(rel, number, _("':::' closes nothing: no '::: if NODE' block is open here"))
                continue
            parts.append(PartDraft(pieces.add("\n".join(current).strip("\n")), condition, opened))
            current, condition = [], None
            continue
        if not rest.startswith("if "):
            problems.error(
                rel, number,
                _("'::: {rest}' is not a condition; write '::: if NODE' "
                "or '::: if not NODE', and ':::' to end the block", rest=rest),
            )
            continue
        if condition is not None:
            problems.error(
                rel, number,
                _("conditional blocks do not nest: close the block opened on line {opened} with ':::' first",
                  opened=opened),
            )
            continue
        negate = rest.startswith("if not ")
        node = rest[7:] if negate else rest[3:]
        if not is_slug(node):
            problems.error(rel, number, _("'::: {rest}' should name a node id ({slug_help})",
                                          rest=rest, slug_help=SLUG_HELP))
            node = ""
        parts.append(PartDraft(pieces.add("\n".join(current).strip("\n")), None, 0))
        current, condition, opened = [], Condition(node, negate), number
    if condition is not None:
        problems.error(rel, opened, _("this '::: if' block is never closed; add a line ':::' where it ends"))
    parts.append(PartDraft(pieces.add("\n".join(current).strip("\n")), condition, opened))
    return parts


_BRACKET_RE = re.compile(r"[\[\]\\]")


def choice_link(content: str) -> tuple[str, str, str] | None:
    """Split '[text](#target) rest' into (text, target, rest); None if it doesn't start so."""
    if not content.startswith("["):
        return None
    depth = 0
    index = 0
    while True:
        # Jump from bracket to bracket: a choice's text is mostly plain words.
        found = _BRACKET_RE.search(content, index)
        if found is None:
            return None
        index = found.start()
        char = content[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                break
        index += 1
    if not content.startswith("(#", index + 1):
        return None
    close = content.find(")", index + 3)
    if close < 0:
        return None
    return content[1:index], content[index + 3 : close].strip(), content[close + 1 :].strip()


_ANNOTATION_HELP = _("use a score like +2, -1 or 0, 'red line', 'pin', 'skill NAME', 'if NODE' or 'if not NODE'")


def parse_annotations(rest: str, draft: _ChoiceDraft, rel: str, problems: Problems) -> None:
    """Read '(+2, red line, if reach-out)' after a choice's link (reporting its first problem only)."""
    before = len(problems.items)
    _parse_annotations(rest, draft, rel, problems)
    del problems.items[before + 1 :]


def _parse_annotations(rest: str, draft: _ChoiceDraft, rel: str, problems: Problems) -> None:
    if not rest:
        return
    if not (rest.startswith("(") and rest.endswith(")")):
        problems.error(
            rel, draft.line,
            _("unexpected text after the choice's link: '{rest}'; only one list of annotations "
            "in brackets may follow, like (+2, red line)", rest=rest),
        )
        return
    seen_score = False
    for raw in rest[1:-1].split(","):
        word = " ".join(raw.split())
        lower = word.lower()
        if not word:
            problems.error(rel, draft.line, _("empty annotation in '{rest}'; {annotation_help}",
                                              rest=rest[:40], annotation_help=_ANNOTATION_HELP))
            return  # once is enough: a line of commas must not become thousands of problems
        elif lower.isascii() and lower.lstrip("+-").isdigit() and (lower[0] in "+-" or lower == "0" or lower.isdigit()):
            if seen_score:
                problems.error(rel, draft.line, _("choice has two scores in '{rest}'; give one", rest=rest))
            seen_score = True
            if lower[0] not in "+-" and lower != "0":
                problems.error(rel, draft.line, _("score '{word}' needs a sign: write '+{word}' or '-{word}'",
                                                  word=word))
            draft.score = int(lower) if len(lower) < 10 else 0
        elif lower == "red line":
            draft.red_line = True
        elif lower == "pin":
            draft.pin = True
        elif lower.startswith("skill "):
            name = word[6:].strip()
            if not is_slug(name):
                problems.error(rel, draft.line, _("'{word}' should name a skill declared under 'skills:' ({slug_help})",
                                                  word=word, slug_help=SLUG_HELP))
            elif name not in draft.skills:
                draft.skills.append(name)
        elif lower.startswith("if "):
            negate = lower.startswith("if not ")
            node = word[7:].strip() if negate else word[3:].strip()
            if draft.condition is not None:
                problems.error(rel, draft.line, _("choice has two 'if' annotations; only one is allowed"))
            elif not is_slug(node):
                problems.error(rel, draft.line, _("'{word}' should name a node id ({slug_help})",
                                                  word=word, slug_help=SLUG_HELP))
            else:
                draft.condition = Condition(node, negate)
        else:
            hint = suggest_inline(lower, ["red line", "pin", "skill", "if", "if not"])
            problems.error(rel, draft.line, _("unknown annotation '{word}'{hint}; {annotation_help}",
                                              word=word, hint=hint, annotation_help=_ANNOTATION_HELP))


def _list_marker(line: str) -> str:
    """What CommonMark compares to decide whether an item continues a list: the bullet ('-', '*', '+')
    or an ordered list's delimiter ('.' or ')')."""
    rest = line.lstrip(" \t")
    return rest[0] if rest[:1] in ("-", "*", "+") else rest[len(rest) - len(rest.lstrip("0123456789"))]


def _list_blocks(lines: list[str]) -> list[tuple[list[int], int | None]]:
    """Top-level lists of a node: (item line indexes, index of the first line after).

    As in CommonMark, an item with another bullet character ('*' after '-') or
    another ordered delimiter ('1)' after '1.') starts a new list.
    """
    blocks: list[tuple[list[int], int | None]] = []
    items: list[int] | None = None
    marker = ""
    blank_before = True
    for index, line in outside_fences(lines):
        blank = not line.strip()
        if list_item(line) is not None and line[:1] not in " \t":
            if items is not None and _list_marker(line) != marker:
                blocks.append((items, index))
                items = None
            if items is None:
                items = []
                marker = _list_marker(line)
            items.append(index)
        elif blank or items is None:
            pass
        elif line[:1] in " \t" or not blank_before:
            pass  # continuation of the current item
        else:
            blocks.append((items, index))
            items = None
        blank_before = blank
    if items is not None:
        blocks.append((items, None))
    return blocks


def parse_node_body(
    draft: _NodeDraft, lines: list[str], first: int, rel: str, problems: Problems, pieces: Pieces,
) -> None:
    """Fill a node draft from the lines under its heading (lines[0] is line `first`)."""
    for index, line in enumerate(lines):
        if line.strip():
            head, colon, topics = line.strip().partition(":")
            if colon and head.lower() == "content note":
                draft.content_note = tuple(t.strip() for t in topics.split(",") if t.strip())
                lines = lines[:index] + [""] + lines[index + 1 :]
            break
    draft.words = sum(len(line.split()) for line in lines)
    blocks = _list_blocks(lines)
    choice_lines: list[int] = []
    links: list[tuple[str, str, str] | None] = []
    list_end = len(lines)
    for items, after in blocks[:-1]:
        if after is not None and all(choice_link(list_item(lines[i]) or "") for i in items):
            problems.error(
                rel, first + after,
                _("text after the choices of node '{draft_id}'; the choice list must come last, so move this above it",
                  draft_id=draft.id),
            )
    if blocks:
        items, after = blocks[-1]
        links = [choice_link(list_item(lines[i]) or "") for i in items]
        if all(links):
            choice_lines = items
            if after is not None:
                list_end = after
                problems.error(
                    rel, first + after,
                    _("text after the choices of node '{draft_id}'; the "
                    "choice list must come last, so move this above it", draft_id=draft.id),
                )
        elif any(links):
            bad = items[links.index(None)]
            problems.error(
                rel, first + bad,
                _("this list mixes choices and plain items; every item of a choice list must start "
                "with a link to a node, like '- [Reply to them](#reply)'"),
            )
    end = choice_lines[0] if choice_lines else len(lines)
    draft.body_parts = split_conditional(lines[:end], first, rel, problems, pieces)
    for position, start in enumerate(choice_lines):
        stop = choice_lines[position + 1] if position + 1 < len(choice_lines) else list_end
        link = links[position]
        assert link is not None
        text, target, rest = link
        choice = _ChoiceDraft(first + start, text, target)
        if not is_slug(target):
            problems.error(rel, choice.line, _("choice links to '#{target}', which is not a node id ({slug_help})",
                                               target=target, slug_help=SLUG_HELP))
        if not text.strip():
            problems.error(rel, choice.line, _("choice has no text; write what the trainee would do inside the [ ]"))
        parse_annotations(rest, choice, rel, problems)
        for offset, line in enumerate(lines[start + 1 : stop], start=start + 1):
            if not line.strip():
                if choice.feedback:
                    choice.feedback.append("")
            elif line.strip().startswith(">") or choice.feedback:
                choice.feedback_line = choice.feedback_line or first + offset
                choice.feedback.append(line)
            else:
                problems.error(
                    rel, first + offset,
                    _("text under a choice must be its feedback, as a quote indented under it: '  > ...'"),
                )
        choice.text_piece = pieces.add(text)
        if any(row.strip() for row in choice.feedback):
            choice.feedback_parts = split_conditional(
                dedent_quote(choice.feedback).split("\n"), choice.feedback_line, rel, problems, pieces)
        draft.choices.append(choice)


@dataclass
class ScenarioBody:
    briefing_piece: int
    briefing_words: int
    nodes: list[_NodeDraft]


def parse_scenario_body(body: str, body_line: int, rel: str, problems: Problems, pieces: Pieces) -> ScenarioBody:
    """Split the body at '## node-id' headings into the briefing and node drafts."""
    lines = body.split("\n")
    headings = [(index, text) for index, line in outside_fences(lines) if (text := atx_heading(line, 2)) is not None]
    briefing_end = headings[0][0] if headings else len(lines)
    briefing = "\n".join(lines[:briefing_end]).strip("\n")
    result = ScenarioBody(pieces.add(briefing), len(briefing.split()), [])
    seen: dict[str, int] = {}
    for position, (index, text) in enumerate(headings):
        line = body_line + index
        stop = headings[position + 1][0] if position + 1 < len(headings) else len(lines)
        if not text:
            problems.error(rel, line, _("node heading has no id; write '## some-node-id'"))
        elif not is_slug(text):
            problems.error(rel, line, _("node id '{text}' is not valid; use {slug_help} (for this node, "
                                        "'## {suggested_id}')", text=text, slug_help=SLUG_HELP,
                                        suggested_id=_slugify(text)))
        elif text in seen:
            problems.error(
                rel, line, _("duplicate node id '{text}' (first on line {first_line}); node ids must be unique",
                             text=text, first_line=seen[text]),
            )
            continue
        else:
            seen[text] = line
        draft = _NodeDraft(text, line)
        parse_node_body(draft, lines[index + 1 : stop], line + 1, rel, problems, pieces)
        result.nodes.append(draft)
    if not headings:
        problems.error(rel, body_line, _("scenario has no nodes; start each situation with a heading like '## the-post'"))  # noqa: E501
    pieces.notes_to = _notes_holders(result)
    return result


def _notes_holders(body: ScenarioBody) -> dict[int, int]:
    """Where each piece's footnotes are shown: the briefing, each body part and each feedback part
    keep their own; a choice's text (inline, in a button) hands them to its node's text, the last
    part shown on every route (else its last part)."""
    holders: dict[int, int] = {}
    for draft in body.nodes:
        parts = [p for p in draft.body_parts if p.condition is None] or draft.body_parts
        if parts:
            for choice in draft.choices:
                holders[choice.text_piece] = parts[-1].piece
    return holders


def _slugify(text: str) -> str:
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in text.lower()).split()
    return "-".join(words) or "node-id"


# ---------------------------------------------------------------- graph rules


def check_graph(
    nodes: Mapping[str, Node], start: str, endings: Mapping[str, tuple[str, ...]], pass_score: int | None,
    rel: str, lines: Mapping[str, int], problems: Problems,
) -> None:
    """Apply FORMAT.md 4.3. `lines` maps front matter keys to their lines."""
    listed = {node for ids in endings.values() for node in ids}
    for node in nodes.values():
        for choice in node.choices:
            if choice.target not in nodes and is_slug(choice.target):
                problems.error(
                    rel, choice.line,
                    _("choice links to '#{target}', but there is no "
                    "node '{target}'{suggestion}", target=choice.target, suggestion=suggest(choice.target, nodes)),
                )
            if choice.condition and choice.condition.node not in nodes:
                name = choice.condition.node
                problems.error(
                    rel, choice.line,
                    _("'if {negation}{name}' names a node that does not exist{suggestion}",
                      negation="not " if choice.condition.negate else "", name=name, suggestion=suggest(name, nodes)),
                )
        if not node.choices and node.id not in listed:
            problems.error(
                rel, node.line,
                _("node '{node_id}' has no choices, so it is an ending, but it is not listed under 'endings'; "
                "list it under pass, fail or neutral (or give it choices)", node_id=node.id),
            )
        if node.choices and all(choice.condition for choice in node.choices):
            problems.warning(
                rel, node.line,
                _("every choice of node '{node_id}' has an 'if'; a run where none applies gets stuck here",
                  node_id=node.id),
            )
    for outcome, ids in endings.items():
        for node_id in ids:
            if node_id not in nodes:
                problems.error(
                    rel, lines.get(f"endings.{outcome}", 1),
                    _("ending '{node_id}' under '{outcome}' is not a node{suggestion}",
                      node_id=node_id, outcome=outcome, suggestion=suggest(node_id, nodes)),
                )
            elif nodes[node_id].choices:
                problems.error(
                    rel, lines.get(f"endings.{outcome}", 1),
                    _("ending '{node_id}' under '{outcome}' has choices; an ending is a node without choices",
                      node_id=node_id, outcome=outcome),
                )
    if start not in nodes:
        return
    forward = {node.id: {c.target for c in node.choices if c.target in nodes} for node in nodes.values()}
    reachable = _reach({start}, forward)
    for node in nodes.values():
        if node.id not in reachable:
            problems.warning(rel, node.line, _("node '{node_id}' cannot be reached from '{start}'",
                                               node_id=node.id, start=start))
    backward: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for source, targets in forward.items():
        for target in targets:
            backward[target].add(source)
    real_endings = {n for n in listed if n in nodes and not nodes[n].choices}
    can_finish = _reach(real_endings, backward)
    for node in nodes.values():
        if node.id not in can_finish and node.choices:
            problems.error(
                rel, node.line, _("node '{node_id}' is a trap: no ending can be reached from it; give it a way out",
                                  node_id=node.id),
            )
    if pass_score is not None:
        passes = [n for n in endings.get("pass", ()) if n in reachable]
        if not passes:
            problems.error(
                rel, lines.get("pass_score", 1),
                _("'pass_score' is set but no 'pass' ending can be reached from the start"),
            )


#: Choices the can-a-run-pass search looks at, from distinct (node, nodes that matter visited) states, before it
#: settles for a coarser search (one state per node, every 'if' taken as true), which can miss a problem but never
#: invents one: with many 'if's the states can double with each node that matters.
PASS_SEARCH_CAP = 100_000

_PassState = tuple[str, frozenset[str]]  # node, visited nodes that 'if's and pass_requires name
_Place = TypeVar("_Place", str, _PassState)  # what `_reach` walks: node ids, or a run's states


def check_can_pass(
    nodes: Mapping[str, Node], start: str, endings: Mapping[str, tuple[str, ...]], pass_score: int | None,
    pass_requires: tuple[str, ...], pass_forbids: tuple[str, ...], rel: str, lines: Mapping[str, int],
    problems: Problems,
) -> None:
    """An error when no run can pass a scenario that has 'pass' endings: a course step using it could never be
    completed (FORMAT.md 4.3, 7.3).

    A run passes at a 'pass' ending, having crossed no red line, visited every node under pass_requires and
    none under pass_forbids, with at least pass_score (Scenario.route_passes). The routes are searched as a
    run takes them, each choice only where its 'if' holds; the search is bounded by PASS_SEARCH_CAP. The
    error says what stops every run: a node under pass_requires no passing route visits (at its line), the
    nodes under pass_requires together, pass_score above the best score of a passing route (at its line),
    or no route reaching a 'pass' ending at all. With loops a score could grow on each time round, so
    pass_score is then not judged.
    """
    pass_ends = {n for n in endings.get("pass", ()) if n in nodes and not nodes[n].choices}
    forbidden = set(pass_forbids)
    required = tuple(dict.fromkeys(n for n in pass_requires if n in nodes))
    if not pass_ends or start not in nodes or forbidden & set(required):
        return  # no 'pass' ending to reach, or already an error of its own
    pass_line = lines.get("endings.pass", lines.get("endings", 1))
    if start in forbidden:
        problems.error(rel, lines.get(f"pass_forbids[{start}]", lines.get("pass_forbids", 1)),
                       _("'pass_forbids' names the start node '{start}', so no run can pass", start=start))
        return
    watched = frozenset(required) | {c.condition.node for n in nodes.values() for c in n.choices if c.condition}
    graph = _pass_graph(nodes, start, forbidden, watched, PASS_SEARCH_CAP)
    exact = graph is not None
    if graph is None:
        graph = _pass_graph(nodes, start, forbidden, frozenset(), None)
        assert graph is not None
    at_ends = [state for state in graph if state[0] in pass_ends]
    if not at_ends:
        if pass_score is not None and not _reach({start}, {
                n.id: {c.target for c in n.choices} for n in nodes.values()}) & pass_ends:
            return  # check_graph says no 'pass' ending can be reached
        problems.error(rel, pass_line, _(
            "no run can pass: no route from the start reaches a 'pass' ending without crossing a red line or "
            "visiting a node under 'pass_forbids' (taking 'if' conditions into account); a course step using "
            "this scenario could never be completed"))
        return
    backward: dict[_PassState, set[_PassState]] = {}
    for state, moves in graph.items():
        for _score, target in moves:
            backward.setdefault(target, set()).add(state)
    if exact:
        passing = {state for state in at_ends if all(n in state[1] for n in required)}
        on_passing_routes = {n for state in at_ends for n in state[1]}
    else:  # one state per node: a required node must at least lie between the start and a 'pass' ending
        passing = set(at_ends)
        on_passing_routes = {state[0] for state in _reach(set(at_ends), backward)}
    blocked = [n for n in required if n not in on_passing_routes]
    for node_id in blocked:
        line = lines.get(f"pass_requires[{node_id}]", lines.get("pass_requires", 1))
        outcome = next((o for o, ids in endings.items() if node_id in ids), None)
        if not nodes[node_id].choices and outcome is not None:
            problems.error(rel, line, _(
                "no run can pass: '{node_id}' under 'pass_requires' is a '{outcome}' ending, and a run that "
                "reaches it ends there without passing; remove it from 'pass_requires'", node_id=node_id,
                outcome=outcome))
        else:
            problems.error(rel, line, _(
                "no run can pass: '{node_id}' under 'pass_requires' is on no route that reaches a 'pass' ending "
                "without crossing a red line or visiting a node under 'pass_forbids'; remove it from "
                "'pass_requires' or give it such a route", node_id=node_id))
    if blocked:
        return
    if not passing:
        problems.error(rel, lines.get("pass_requires", 1), _(
            "no run can pass: no route visits every node under 'pass_requires' ({items}) and reaches a 'pass' "
            "ending without crossing a red line or visiting a node under 'pass_forbids'",
            items=", ".join(required)))
        return
    if pass_score is not None:
        first: _PassState = (start, frozenset({start}) & watched if exact else frozenset())
        best = _best_passing_score(graph, first, passing, _reach(passing, backward))
        if best is not None and best < pass_score:
            problems.error(rel, lines.get("pass_score", 1), _(
                "no run can pass: 'pass_score' is {pass_score}, but the best score on a route that could "
                "otherwise pass is {best}; lower 'pass_score' or change the choices' scores",
                pass_score=pass_score, best=best))


def _pass_graph(
    nodes: Mapping[str, Node], start: str, forbidden: set[str], watched: frozenset[str], cap: int | None,
) -> dict[_PassState, list[tuple[int, _PassState]]] | None:
    """The states a run that may still pass can be in, each with its moves (score, next state); None once more
    than `cap` choices have been looked at.

    Red lines and nodes under pass_forbids are never taken (no run passes after them). With `watched` empty
    and no cap, each node is one state and 'if' conditions are taken as true (a superset of the routes).
    """
    first: _PassState = (start, frozenset({start}) & watched)
    graph: dict[_PassState, list[tuple[int, _PassState]]] = {}
    queue = deque([first])
    graph[first] = []
    work = 0
    while queue:
        state = queue.popleft()
        node_id, seen = state
        moves = graph[state]
        for choice in nodes[node_id].choices:
            work += 1
            if cap is not None and work > cap:
                return None
            target = choice.target
            if choice.red_line or target not in nodes or target in forbidden:
                continue
            if watched and not choice.available(seen):
                continue
            after: _PassState = (target, seen | {target} if target in watched else seen)
            moves.append((choice.score, after))
            if after not in graph:
                graph[after] = []
                queue.append(after)
    return graph


def _best_passing_score(
    graph: Mapping[_PassState, list[tuple[int, _PassState]]], first: _PassState, passing: set[_PassState],
    useful: set[_PassState],
) -> int | None:
    """The highest score from `first` to a passing state, through the `useful` states (those that can reach
    one); None when a loop lies on such a route (a score could then grow each time round, so it is not judged).
    Iterative: scenarios may be deep."""
    best: dict[_PassState, int | None] = {}  # None: no passing state from here
    visiting: set[_PassState] = set()
    stack: list[tuple[_PassState, bool]] = [(first, False)]
    while stack:
        state, done = stack.pop()
        if done:
            visiting.discard(state)
            values = [score + after for score, target in graph[state]
                      if target in useful and (after := best[target]) is not None]
            if state in passing:
                values.append(0)  # an ending: the run stops here
            best[state] = max(values, default=None)
            continue
        if state in best:
            continue
        visiting.add(state)
        stack.append((state, True))
        for _score, target in graph[state]:
            if target not in useful:
                continue
            if target in visiting:
                return None
            if target not in best:
                stack.append((target, False))
    return best[first]


def _reach(sources: set[_Place], edges: Mapping[_Place, set[_Place]]) -> set[_Place]:
    """Everything reachable from `sources` along `edges` (node ids, or a run's states), `sources` included."""
    seen = set(sources)
    queue = deque(sources)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def best_score(nodes: Mapping[str, Node], start: str,
               weight: Callable[[Choice], int] = lambda choice: choice.score) -> int | None:
    """The highest score a run can reach, ignoring 'if's and never taking a red line; None if a loop makes it
    unbounded or undefined. `weight` is what a choice counts (its score; a skill's share of it for skills)."""
    memo: dict[str, int | None] = {}
    visiting: set[str] = set()
    # Iterative post-order DFS: scenarios may be deep, recursion could overflow.
    stack: list[tuple[str, bool]] = [(start, False)]
    while stack:
        node_id, done = stack.pop()
        if done:
            visiting.discard(node_id)
            node = nodes[node_id]
            if not node.choices:
                memo[node_id] = 0
                continue
            best: int | None = None
            for c in node.choices:
                if c.target in memo and memo[c.target] is not None and not c.red_line:
                    value = weight(c) + memo[c.target]  # type: ignore[operator]
                    best = value if best is None else max(best, value)
            memo[node_id] = best
            continue
        if node_id in memo:
            continue
        if node_id in visiting:
            return None  # a cycle
        visiting.add(node_id)
        stack.append((node_id, True))
        for c in nodes[node_id].choices:
            if c.target in nodes and c.target not in memo:
                if c.target in visiting:
                    return None
                stack.append((c.target, False))
    return memo.get(start)


def estimate_minutes(briefing_words: int, node_words: Mapping[str, int], nodes: Mapping[str, Node], start: str) -> int:
    """Reading time of a typical run: briefing plus the longest shortest path to an ending."""
    depth = {start: 1}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for c in nodes[current].choices:
            if c.target in nodes and c.target not in depth:
                depth[c.target] = depth[current] + 1
                queue.append(c.target)
    steps = max((d for n, d in depth.items() if not nodes[n].choices), default=len(nodes))
    average = sum(node_words.values()) / max(1, len(node_words))
    return max(1, math.ceil((briefing_words + steps * average) / 200))
