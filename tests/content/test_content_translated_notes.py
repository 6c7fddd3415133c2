"""A translation keeps every content note (FORMAT.md 8): 'Content note:' is structure, like '## node-id'.

A Welsh node written with 'Nodyn cynnwys: …' had no content note, so a suicide-plan message was shown with no
gate in Welsh; it is now an error at the translation's line, and that language of the scenario is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lms.content import Catalog, load_catalog

from .conftest import course, find

Load = Callable[[dict[str, str | bytes]], Catalog]

SCENARIO = """\
---
title: Two am
summary: A post at night.
endings:
  pass: [good-end]
  fail: [bad-end]
---
You are on shift.

## the-post
Content note: suicide, a plan
> **nightowl22**: I have a plan for tonight.

- [Reach out](#good-end) (+2)
- [Ignore it](#bad-end) (-2)

## good-end
Well done.

## bad-end
Not good.
"""

SCENARIO_CY = """\
---
title: Dau y bore
---
Rydych ar ddyletswydd.

## the-post
Content note: hunanladdiad, cynllun
> **nightowl22**: Mae gen i gynllun ar gyfer heno.

- [Estyn allan](#good-end) (+2)
- [Ei anwybyddu](#bad-end) (-2)

## good-end
Da iawn.

## bad-end
Ddim yn dda.
"""


def pair(cy: str) -> dict[str, str | bytes]:
    return {"scenarios/two-am.md": SCENARIO, "scenarios/two-am.cy.md": cy}


def test_a_translated_content_note_keeps_the_english_keyword(load: Load) -> None:
    catalog = load(pair(SCENARIO_CY))
    assert catalog.problems == ()
    welsh = catalog.scenarios["two-am"].localised("cy")
    assert welsh.nodes["the-post"].content_note == ("hunanladdiad", "cynllun")


def test_a_content_note_with_a_translated_keyword_is_an_error_at_its_line(load: Load) -> None:
    catalog = load(pair(SCENARIO_CY.replace("Content note:", "Nodyn cynnwys:")))
    find(catalog, "scenarios/two-am.cy.md", 7,
         "node 'the-post' has a content note in the original (two-am.md:10) but none here, so its text would be "
         "shown without the warning; the node's first line must start with 'Content note:' as in the original, "
         "with the words after it translated", "error")
    scenario = catalog.scenarios["two-am"]  # the original stands; its Welsh is left out
    assert scenario.nodes["the-post"].content_note == ("suicide", "a plan") and "cy" not in scenario.translations


def test_a_missing_content_note_is_said_at_the_nodes_first_line(load: Load) -> None:
    cy = SCENARIO_CY.replace("Content note: hunanladdiad, cynllun\n", "\n")
    find(load(pair(cy)), "scenarios/two-am.cy.md", 8, "node 'the-post' has a content note in the original", "error")
    # A node with no text before its choices: at its heading.
    cy = SCENARIO_CY.replace("Content note: hunanladdiad, cynllun\n> **nightowl22**: Mae gen i gynllun ar gyfer "
                             "heno.\n\n", "")
    find(load(pair(cy)), "scenarios/two-am.cy.md", 6, "node 'the-post' has a content note in the original", "error")


def test_a_content_note_with_no_topics_is_no_content_note(load: Load) -> None:
    catalog = load(pair(SCENARIO_CY.replace("Content note: hunanladdiad, cynllun", "Content note:")))
    find(catalog, "scenarios/two-am.cy.md", 7, "node 'the-post' has a content note in the original", "error")


def test_a_scenario_folder_translation_is_checked_the_same_way(load: Load) -> None:
    catalog = load({"scenarios/two-am/scenario.md": SCENARIO,
                    "scenarios/two-am/scenario.cy.md": SCENARIO_CY.replace("Content note:", "Nodyn cynnwys:")})
    find(catalog, "scenarios/two-am/scenario.cy.md", 7, "(scenario.md:10) but none here", "error")


def test_a_step_translation_without_content_notes_keeps_the_originals(tree: Callable[..., Path]) -> None:
    """A step's notes are front matter: a translation that leaves them out (or misnames the key) never drops them."""
    step = "---\ntitle: Risk\ncontent_notes: [suicide]\n---\nText.\n"
    catalog = load_catalog(tree(course({"01-risk.md": step, "01-risk.cy.md": "---\ntitle: Risg\n---\nTestun.\n"})))
    assert not [p for p in catalog.problems if p.severity != "note"]  # the note: course.md is not translated
    welsh = catalog.courses["listening"].localised("cy").steps[0]
    assert welsh.content_notes == ("suicide",) and "content_notes" in welsh.original_parts
    catalog = load_catalog(tree(course({
        "01-risk.md": step, "01-risk.cy.md": "---\ntitle: Risg\nnodiadau_cynnwys: [hunanladdiad]\n---\nTestun.\n",
    })))
    find(catalog, "courses/listening/01-risk.cy.md", 3, "'nodiadau_cynnwys' belongs in the original (01-risk.md) only",
         "error")
