"""Step bodies: split out ```question and ```reflection blocks and parse them.

Everything Markdown in a step (text, prompts, choices, feedback) is collected
as pieces of one document, rendered together (see markdown.render_pieces),
then assembled into blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .course import Block, HtmlBlock, Question, QuestionChoice, Reflection, Response
from .links import LinkResolver
from .messages import _
from .problems import Problems
from .render import RENDER_BUDGET_SECONDS, render_pieces, unwrap_paragraph
from .source import (
    SLUG_HELP,
    atx_heading,
    fence_closes,
    fence_open,
    is_slug,
    leading_spaces,
    suggest_inline,
)

BLOCK_KINDS = ("question", "reflection", "response")
PIN_MARK = "(pin)"  # at the end of a choice's first line: the choice keeps its place when shuffled


class Pieces:
    """Markdown pieces of one file, rendered in one pass."""

    def __init__(self) -> None:
        self.sources: list[str] = []
        self.html: list[str] = []
        # Set for files whose pieces are shown apart (a scenario): each piece's footnotes at the end of
        # the piece named here (itself when not listed), not all at the end of the file (render_pieces).
        self.notes_to: dict[int, int] | None = None

    def add(self, markdown_text: str) -> int:
        self.sources.append(markdown_text)
        return len(self.sources) - 1

    def render(self, resolver: LinkResolver | None, budget: float = RENDER_BUDGET_SECONDS,
               language: str | None = None) -> None:
        """Render every piece; `language` is the file's, for the words Markdown adds (footnote links)."""
        self.html = render_pieces(self.sources, resolver, budget, language, notes_to=self.notes_to)

    def __getitem__(self, index: int) -> str:
        return self.html[index]


def list_item(line: str) -> str | None:
    """The content of a list item line ('- x', '* x', '1. x'), else None."""
    if leading_spaces(line) > 3:
        return None
    rest = line.lstrip(" \t")
    if rest[:1] in ("-", "*", "+"):
        width = 1
    else:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        if not 0 < digits < 10 or rest[digits : digits + 1] not in (".", ")"):
            return None
        width = digits + 1
    after = rest[width:]
    if after and after[0] not in " \t":
        return None
    return after.strip()


def dedent_quote(lines: Sequence[str]) -> str:
    """Turn indented '> ' lines into plain Markdown (a lazy line is kept as is)."""
    out = []
    for line in lines:
        text = line.strip()
        if text.startswith(">"):
            text = text[1:]
            text = text[1:] if text.startswith(" ") else text
        out.append(text)
    return "\n".join(out)


# Words allowed after ```kind besides id=...: 'critical' (7.2) and 'review' (7.7).
BLOCK_FLAGS: dict[str, tuple[str, ...]] = {"question": ("critical",), "reflection": (), "response": ("review",)}


@dataclass
class BlockOptions:
    id: str | None
    flags: frozenset[str] = frozenset()


def parse_info(info: str, kind: str, rel: str, line: int, problems: Problems) -> BlockOptions:
    """Read the options after ```question: id=... and the kind's flags."""
    block_id = None
    flags: set[str] = set()
    allowed = BLOCK_FLAGS.get(kind, ())
    for token in info.split()[1:]:
        key, eq, value = token.partition("=")
        if key == "id" and eq:
            value = value.strip("\"'")
            if is_slug(value):
                block_id = value
            else:
                problems.error(rel, line, _("{kind} id '{value}' is not valid; use {slug_help}",
                                            kind=kind, value=value, slug_help=SLUG_HELP))
        elif not eq and token in allowed:
            flags.add(token)
        else:
            options = " or ".join(["'id=some-id'", *(f"'{flag}'" for flag in allowed)])
            hint = suggest_inline(token, allowed) if allowed else ""
            problems.error(rel, line, _("unknown option '{token}' after ```{kind}{hint}; only {options} is allowed",
                                        token=token, kind=kind, hint=hint, options=options))
    return BlockOptions(block_id, frozenset(flags))


@dataclass
class _ChoiceDraft:
    correct: bool
    line: int
    text: list[str]
    pin: bool = False
    feedback: list[str] = field(default_factory=list)
    text_piece: int = -1
    feedback_piece: int = -1


@dataclass
class _QuestionDraft:
    id: str
    line: int
    prompt_piece: int
    choices: list[_ChoiceDraft]
    critical: bool = False

    def build(self, pieces: Pieces) -> Question:
        return Question(
            id=self.id,
            prompt_html=pieces[self.prompt_piece],
            choices=tuple(
                QuestionChoice(
                    index=i,
                    text_html=unwrap_paragraph(pieces[c.text_piece]),
                    correct=c.correct,
                    feedback_html=pieces[c.feedback_piece] if c.feedback_piece >= 0 else "",
                    pin=c.pin,
                )
                for i, c in enumerate(self.choices)
            ),
            line=self.line,
            critical=self.critical,
        )


@dataclass
class _ReflectionDraft:
    id: str
    line: int
    prompt_piece: int

    def build(self, pieces: Pieces) -> Reflection:
        return Reflection(id=self.id, prompt_html=pieces[self.prompt_piece], line=self.line)


@dataclass
class _ResponseDraft:
    id: str
    line: int
    prompt_piece: int
    guidance_piece: int
    review: bool

    def build(self, pieces: Pieces) -> Response:
        return Response(
            id=self.id, prompt_html=pieces[self.prompt_piece], guidance_html=pieces[self.guidance_piece],
            review=self.review, line=self.line,
        )


def parse_response(
    inner: list[str], fence_line: int, response_id: str, review: bool, rel: str, problems: Problems, pieces: Pieces,
) -> _ResponseDraft:
    """Split a response block at its first '---' line into prompt and guidance (FORMAT.md 7.7)."""
    split = next((i for i, row in enumerate(inner) if row.strip() == "---"), None)
    prompt = "\n".join(inner if split is None else inner[:split]).strip("\n")
    guidance = "" if split is None else "\n".join(inner[split + 1 :]).strip("\n")
    if not prompt.strip():
        problems.error(
            rel, fence_line,
            _("response has no prompt; write what the trainee should write, then '---', then the guidance"),
        )
    if not guidance.strip():
        problems.warning(rel, fence_line, _("response has no guidance for trainers; after the prompt add a line '---' and describe what a good answer does"))  # noqa: E501
    return _ResponseDraft(response_id, fence_line, pieces.add(prompt), pieces.add(guidance), review)


@dataclass
class _TextDraft:
    piece: int

    def build(self, pieces: Pieces) -> HtmlBlock:
        return HtmlBlock(pieces[self.piece])


_Draft = _QuestionDraft | _ReflectionDraft | _ResponseDraft | _TextDraft


def _checkbox(content: str) -> tuple[bool, str] | None:
    if len(content) >= 3 and content[0] == "[" and content[2] == "]" and content[1] in " xX":
        rest = content[3:]
        if rest and rest[0] not in " \t":
            return None
        return content[1] != " ", rest.strip()
    return None


def parse_question(
    lines: list[str], first: int, fence_line: int, question_id: str, rel: str, problems: Problems, pieces: Pieces,
) -> _QuestionDraft:
    """Parse the inside of a question block; `first` is the line number of lines[0]."""
    prompt: list[str] = []
    choices: list[_ChoiceDraft] = []
    current: _ChoiceDraft | None = None
    blank_before = False
    for offset, line in enumerate(lines):
        number = first + offset
        indent = leading_spaces(line)
        item = list_item(line) if indent < 2 else None
        box = _checkbox(item) if item is not None else None
        if box is not None:
            correct, text = box
            if not text:
                problems.error(
                    rel, number, _("choice has no text after its box; write '- [ ] what the trainee could choose'"),
                )
            pin = text.endswith(PIN_MARK)
            if pin:
                text = text[: -len(PIN_MARK)].rstrip()
                if not text:
                    problems.error(rel, number, _("choice has no text before '(pin)'; write '- [ ] None of these (pin)'"))  # noqa: E501
            current = _ChoiceDraft(correct, number, [text], pin=pin)
            choices.append(current)
        elif not choices:
            prompt.append(line)
        elif not line.strip():
            if current is not None:
                (current.feedback if current.feedback else current.text).append("")
        elif item is not None:
            problems.error(
                rel, number,
                _("this list item has no box; write '- [x] ...' for a right answer or '- [ ] ...' for a wrong one"),
            )
            current = None
        elif current is not None and (indent >= 2 or not blank_before):
            stripped = line.strip()
            if stripped.startswith(">") or current.feedback:
                current.feedback.append(line)
            else:
                current.text.append(stripped)
        else:
            problems.error(
                rel, number,
                _("text after the choices of a question; put the whole prompt before the list of choices"),
            )
            current = None
        blank_before = not line.strip()
    if not "\n".join(prompt).strip():
        problems.error(rel, fence_line, _("question has no prompt; write the question above its choices"))
    if not choices:
        problems.error(
            rel, fence_line, _("question has no choices; list them as '- [x] a right answer' and '- [ ] a wrong one'"),
        )
    elif len(choices) < 2:
        problems.error(rel, fence_line, _("question has only one choice; give at least two"))
    if choices and not any(c.correct for c in choices):
        problems.error(rel, fence_line, _("question has no correct choice ([x])"))
    draft = _QuestionDraft(question_id, fence_line, pieces.add("\n".join(prompt).strip("\n")), choices)
    for choice in choices:
        # Each choice's text and feedback are separate pieces: a blank text must not
        # merge with the next piece, so empty strings stay empty.
        choice.text_piece = pieces.add(" ".join(t for t in choice.text if t))
        if choice.feedback:
            choice.feedback_piece = pieces.add(dedent_quote(choice.feedback).strip("\n"))
    return draft


@dataclass
class StepBody:
    """A parsed step body, before rendering."""

    drafts: list[_Draft]
    title_heading: str | None  # the body's leading '# heading', if it has one
    words: int

    def blocks(self, pieces: Pieces) -> tuple[Block, ...]:
        built = [draft.build(pieces) for draft in self.drafts]
        return tuple(b for b in built if not (isinstance(b, HtmlBlock) and not b.html))


def leading_title(lines: list[str]) -> tuple[int, str] | None:
    """(index, text) of a '# Title' that is the first non-blank line."""
    for index, line in enumerate(lines):
        if line.strip():
            text = atx_heading(line, 1)
            return (index, text) if text else None
    return None


def parse_step_body(
    body: str, body_line: int, step_id: str, rel: str, problems: Problems, pieces: Pieces,
    title: str | None = None,
) -> StepBody:
    """Split a step body into text, question and reflection drafts.

    A leading '# heading' is dropped when it is the page's title (no `title`
    in the front matter, or the same text), so pages never show it twice.
    """
    lines = body.split("\n")
    heading = leading_title(lines)
    if heading and (title is None or heading[1] == title):
        lines[heading[0]] = ""
    drafts: list[_Draft] = []
    text: list[str] = []
    counts = dict.fromkeys(BLOCK_KINDS, 0)
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = fence_open(line)
        if fence is None:
            text.append(line)
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not fence_closes(fence, lines[end]):
            end += 1
        kind = fence.info.split()[0].lower() if fence.info else ""
        if kind not in BLOCK_KINDS:
            text.extend(lines[index : end + 1])  # ordinary code: keep as Markdown
            index = end + 1
            continue
        fence_line = body_line + index
        if end >= len(lines):
            problems.error(
                rel, fence_line, _("{kind} block is never closed; add a line with {fence} after it",
                                   kind=kind, fence=fence.char * fence.length),
            )
        drafts.append(_TextDraft(pieces.add("\n".join(text))))
        text = []
        counts[kind] += 1
        options = parse_info(fence.info, kind, rel, fence_line, problems)
        inner = [
            row[fence.indent :] if leading_spaces(row) >= fence.indent else row.lstrip()
            for row in lines[index + 1 : end]
        ]
        if kind == "question":
            qid = options.id or f"{step_id}-{counts[kind]}"
            question = parse_question(inner, fence_line + 1, fence_line, qid, rel, problems, pieces)
            question.critical = "critical" in options.flags
            drafts.append(question)
        elif kind == "response":
            response_id = options.id or f"{step_id}-r{counts[kind]}"
            drafts.append(
                parse_response(inner, fence_line, response_id, "review" in options.flags, rel, problems, pieces),
            )
        else:
            rid = options.id or f"{step_id}-reflection-{counts[kind]}"
            prompt = "\n".join(inner).strip("\n")
            if not prompt.strip():
                problems.error(
                    rel, fence_line, _("reflection has no prompt; write the question the trainee should reflect on"),
                )
            drafts.append(_ReflectionDraft(rid, fence_line, pieces.add(prompt)))
        index = end + 1
    drafts.append(_TextDraft(pieces.add("\n".join(text))))
    title = heading[1] if heading else None
    return StepBody(drafts, title, len(body.split()))


def warn_blocks_outside_steps(body: str, body_line: int, rel: str, problems: Problems) -> None:
    """course.md and module.md show ```question blocks as code: say so."""
    for index, line in enumerate(body.split("\n")):
        fence = fence_open(line)
        if fence and fence.info.split()[:1] and fence.info.split()[0].lower() in BLOCK_KINDS:
            problems.warning(
                rel, body_line + index,
                _("{kind} blocks only work in step files; here it is shown as code",
                  kind=fence.info.split()[0].lower()),
            )
