"""Reading age of every course and scenario in a content folder (`make check`).

The sample training aims at a UK reading age of about 12 to 14: plain English a
tired volunteer can read on a phone at 2am. This prints, per course and per
scenario, the Flesch-Kincaid grade and textstat's consensus grade (text_standard),
each as a UK reading age (US school grade + 5), and exits 1 when a unit's
Flesch-Kincaid reading age is above --max-age (default 14.5).

What is measured is what a trainee reads: the text as the LMS renders it, with
organisation variables and snippets filled in; introductions, steps, questions,
choices and feedback, reflection and response prompts; scenario briefings, nodes,
choices and feedback. Every paragraph, list item, table cell and heading counts
as a sentence of its own (one without an end mark gets a full stop), because the
formulas otherwise read a bulleted list as one endless sentence. Support contacts
(a list of names and numbers) are left out.

Run: `.venv/bin/python bench/reading_level.py [DIR] [--files] [--max-age N]`.
"""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import textstat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms.content import load_catalog  # noqa: E402
from lms.content.course import Course, HtmlBlock, Question, Reflection, Response  # noqa: E402
from lms.content.scenario import Scenario  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
AGE_OFFSET = 5  # a UK reading age is the US school grade plus 5 years
DEFAULT_MAX_AGE = 14.5
BLOCK_TAGS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "div", "br",
              "dt", "dd", "tr", "caption", "figcaption", "summary", "pre"}
END_MARKS = (".", "!", "?", ":", ";", "…")


class _Sentences(HTMLParser):
    """Plain text of an HTML fragment, one unit per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.units: list[str] = []
        self._current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.flush()

    def handle_data(self, data: str) -> None:
        self._current.append(data)

    def flush(self) -> None:
        text = " ".join("".join(self._current).split())
        self._current = []
        if any(ch.isalpha() for ch in text):
            text = text.rstrip(":;")
            self.units.append(text if text.endswith(END_MARKS) else text + ".")


def plain_text(fragments: list[str]) -> str:
    """The fragments' text, one sentence-like unit per line."""
    parser = _Sentences()
    for fragment in fragments:
        parser.feed(fragment)
        parser.flush()
    parser.close()
    return html.unescape("\n".join(parser.units))


def course_fragments(course: Course) -> Iterator[tuple[str, str]]:
    """(file, HTML) for everything a trainee reads in the course."""
    yield "course.md", course.intro_html
    for module in course.modules:
        if module.intro_html:
            yield f"{module.id}/module.md", module.intro_html
        for step in module.steps:
            name = str(step.path.relative_to(course.path)) if step.path else step.id
            for block in step.blocks:
                if isinstance(block, HtmlBlock):
                    yield name, block.html
                elif isinstance(block, Question):
                    yield name, block.prompt_html
                    for choice in block.choices:
                        yield name, f"<p>{choice.text_html}</p>"
                        yield name, choice.feedback_html
                elif isinstance(block, Reflection):
                    yield name, block.prompt_html
                elif isinstance(block, Response):
                    yield name, block.prompt_html
                    yield name, block.guidance_html


def scenario_fragments(scenario: Scenario) -> Iterator[tuple[str, str]]:
    """(node, HTML) for everything a trainee may read in the scenario, whichever route."""
    yield "briefing", scenario.briefing_html
    for node in scenario.nodes.values():
        for part in node.body_parts or ():
            yield node.id, part.html
        if not node.body_parts:
            yield node.id, node.body_html
        for choice in node.choices:
            yield node.id, f"<p>{choice.text_html}</p>"
            for fb in choice.feedback_parts or ():
                yield node.id, fb.html
            if not choice.feedback_parts:
                yield node.id, choice.feedback_html


def measure(text: str) -> tuple[int, float, float]:
    """Words, Flesch-Kincaid grade and textstat's consensus grade of the text."""
    return (textstat.lexicon_count(text), textstat.flesch_kincaid_grade(text),
            float(textstat.text_standard(text, float_output=True)))


def report_line(label: str, text: str) -> tuple[str, float]:
    words, fk, consensus = measure(text)
    return (f"{label:<44} {words:>6} {fk:>6.1f} {fk + AGE_OFFSET:>7.1f} {consensus:>6.1f} "
            f"{consensus + AGE_OFFSET:>7.1f}", fk + AGE_OFFSET)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("root", nargs="?", type=Path, default=REPO, help="content folder (default: this repository)")
    parser.add_argument("--files", action="store_true", help="also print each step file and scenario node")
    parser.add_argument("--max-age", type=float, default=DEFAULT_MAX_AGE,
                        help=f"fail when a unit's Flesch-Kincaid reading age is above this (default {DEFAULT_MAX_AGE})")
    args = parser.parse_args(argv)
    textstat.set_lang("en_GB")
    catalog = load_catalog(args.root, support_contacts=())
    header = f"{'unit':<44} {'words':>6} {'FK':>6} {'age FK':>7} {'cons.':>6} {'age c.':>7}"
    print("Reading level: US school grade and UK reading age (grade + 5); FK = Flesch-Kincaid,")
    print("cons. = textstat's consensus of several formulas. Target: UK reading age about 12-14.")
    print(header)
    too_hard: list[str] = []
    units: list[tuple[str, list[tuple[str, str]]]] = []
    units += [(f"course {c.id}", list(course_fragments(c))) for c in catalog.courses.values()]
    units += [(f"scenario {s.id}", list(scenario_fragments(s))) for s in catalog.scenarios.values()]
    everything: list[str] = []
    for label, fragments in units:
        everything += [f for _, f in fragments]
        line, age = report_line(label, plain_text([f for _, f in fragments]))
        print(line)
        if age > args.max_age:
            too_hard.append(label)
        if args.files:
            by_file: dict[str, list[str]] = {}
            for name, fragment in fragments:
                by_file.setdefault(name, []).append(fragment)
            for name, parts in by_file.items():
                print("  " + report_line(name[:42], plain_text(parts))[0])
    print(report_line("all sample content", plain_text(everything))[0])
    if too_hard:
        print(f"too hard (UK reading age above {args.max_age:g}): {', '.join(too_hard)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
