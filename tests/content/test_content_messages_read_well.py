"""`lms check` messages read as sentences: no "like …, like …", no "did you mean 'x'?; add …", and a translation's
front matter message that says what it means."""

from __future__ import annotations

import re
from collections.abc import Callable

from lms.content import Catalog

from .conftest import COURSE_MD, course, find

Load = Callable[[dict[str, str | bytes]], Catalog]
P = "scenarios/two-am.md"

SCENARIO = """\
---
title: Two am
summary: A post at night.
endings:
  pass: [good-end]
skills:
  listening: Listening
---
You are on shift.

## Handed over
Someone posts {{ org.helpine }}.

- [Reach out](#good-end) (+2, redline)
- [Listen](#good-end) (+1, skill listenning)

## good-end
Well done.
"""

STEP = """\
---
title: Feelings
---
```question critcal
Which?

- [ ] A
- [x] B
```
"""


def broken(load: Load) -> Catalog:
    return load({
        P: SCENARIO,
        "scenarios/two-am.cy.md": "---\ntitle: Dau\nendings:\n  pass: [good-end]\n---\n",
        **course({"01-feelings.md": STEP}),
        "org.yaml": "helpline: 0800 111\n",
    })


def test_a_node_id_message_says_like_once(load: Load) -> None:
    find(broken(load), P, 11, "node id 'Handed over' is not valid; use lowercase letters, digits and single "
         "hyphens, like 'active-listening' (for this node, '## handed-over')", "error")


def test_a_suggestion_inside_a_sentence_is_in_brackets(load: Load) -> None:
    catalog = broken(load)
    find(catalog, P, 12, "organisation variable 'helpine' has no value (did you mean 'helpline'?); add "
         "'helpine: ...' to org.yaml at the content folder's root (or to the site's ORG setting)", "error")
    find(catalog, P, 14, "unknown annotation 'redline' (did you mean 'red line'?); use a score like +2, -1 or 0, "
         "'red line', 'pin', 'skill NAME', 'if NODE' or 'if not NODE'", "error")
    find(catalog, P, 15, "skill 'listenning' is not declared (did you mean 'listening'?); declare it under "
         "'skills:' in the front matter", "error")
    find(catalog, "courses/listening/01-feelings.md", 4, "unknown option 'critcal' after ```question (did you mean "
         "'critical'?); only 'id=some-id' or 'critical' is allowed", "error")


def test_a_suggestion_at_the_end_is_unchanged(load: Load) -> None:
    catalog = load(course({"01-a.md": "---\ntitel: A\n---\nText.\n"}))
    find(catalog, "courses/listening/01-a.md", 2, "unknown key 'titel'; did you mean 'title'?", "error")


def test_a_translations_structural_key_message_reads_well(load: Load) -> None:
    catalog = load({P: SCENARIO.replace("## Handed over", "## handed-over").replace("(+2, redline)", "(+2)")
                    .replace(", skill listenning", ", skill listening").replace("{{ org.helpine }}", ""),
                    "scenarios/two-am.cy.md": "---\ntitle: Dau\nendings:\n  pass: [good-end]\n---\n"})
    find(catalog, "scenarios/two-am.cy.md", 3, "'endings' belongs in the original (two-am.md) only; a "
         "translation's front matter may set only these keys: title, summary, topic, content_notes, skills "
         "(everything else comes from the original)", "error")
    catalog = load(course({"01-a.md": "Text.\n", "course.cy.md": "---\ntitle: Gwrando\npass_mark: 50\n---\n"},
                          course_md=COURSE_MD))
    find(catalog, "courses/listening/course.cy.md", 3, "may set only these keys: title, summary, content_notes, "
         "certificate (everything", "error")


def test_no_message_doubles_its_punctuation_or_its_examples(load: Load) -> None:
    messages = [p.message for p in broken(load).problems]
    assert len(messages) >= 6
    for message in messages:
        assert "?;" not in message and "?," not in message, message
        assert not re.search(r"like '[^']*', like", message), message
