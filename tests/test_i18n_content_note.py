"""A role-play node's `Content note:` line in a Welsh translation (issue 20).

FORMAT.md keeps the keyword English in every language (it is syntax, like `## node-id`);
what a Welsh reader sees is the template's own label, in Welsh, and the translated topics.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import csrf_token
from tests.factories import start

ORIGINAL = """---
title: Late night
summary: A post at night.
endings:
  pass: [good-end]
---
You are on shift.

## the-post
Content note: suicidal thoughts
Someone posts that they cannot go on.

- [Reach out](#good-end) (+2)

## good-end
Well done.
"""
WELSH = """---
title: Yn hwyr y nos
summary: Neges yn y nos.
---
Rydych ar ddyletswydd.

## the-post
Content note: meddyliau am hunanladdiad
Mae rhywun yn postio na allant fynd ymlaen.

- [Estyn allan](#good-end) (+2)

## good-end
Da iawn.
"""


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "scenarios").mkdir(parents=True)
    (root / "scenarios" / "late-night.md").write_text(ORIGINAL, encoding="utf-8")
    (root / "scenarios" / "late-night.cy.md").write_text(WELSH, encoding="utf-8")
    module = root / "courses" / "nights" / "1-first"
    module.mkdir(parents=True)
    (root / "courses" / "nights" / "course.md").write_text(
        "---\ntitle: Nights\nsummary: Night shifts.\ncontent_notes: [self-harm]\n"
        "certificate:\n  title: Night volunteer\n---\nWelcome.\n", encoding="utf-8")
    (module / "module.md").write_text("---\ntitle: First\nsummary: Before your shift.\n---\n", encoding="utf-8")
    (module / "01-alone.md").write_text("---\ntitle: Alone\ncontent_notes: [suicide]\n---\nRead this.\n",
                                        encoding="utf-8")
    return root


def test_a_welsh_reader_gets_a_welsh_content_note_label_for_the_english_keyword(client, users):
    users.login(users.create())
    client.get("/language/cy", headers={"Sec-Fetch-Site": "same-origin"})
    page = client.get(start(client, "late-night")).get_data(as_text=True)
    assert '<h2 id="node-note-heading">Nodyn cynnwys</h2>' in page
    assert 'Mae’r neges nesaf yn cynnwys: <span lang="cy">meddyliau am hunanladdiad</span>.' in page
    assert "Content note" not in page and "Mae rhywun yn postio" not in page  # the text waits behind the note


def test_untranslated_notes_and_summaries_say_they_are_english_on_a_welsh_page(client, users):
    """A screen reader reads them with English sounds, not Welsh ones (WCAG 3.1.2, language of parts)."""
    users.login(users.create())
    client.get("/language/cy", headers={"Sec-Fetch-Site": "same-origin"})
    page = client.get("/courses/nights").get_data(as_text=True)
    assert '<html lang="cy">' in page
    assert '<p class="muted" lang="en">Before your shift.</p>' in page
    assert '(nodyn cynnwys: <span lang="en">suicide</span>)' in page
    assert '<span lang="en">self-harm</span>' in page and '<span lang="en">Night volunteer</span>' in page
    catalogue = client.get("/courses").get_data(as_text=True)
    assert '<span lang="en">self-harm</span>' in catalogue
    # Titles where the page names a course, a step or a role-play: the link, the hidden words of a button.
    assert client.post("/courses/nights/start", data={"csrf_token": csrf_token(client, "/courses/nights")}
                       ).status_code == 302
    step = client.get("/courses/nights/steps/alone?notes=continue").get_data(as_text=True)
    assert 'href="/courses/nights" lang="en">Nights</a>' in step and 'class="module-name" lang="en">First' in step
    mine = client.get("/my-training").get_data(as_text=True)
    assert 'href="/courses/nights" lang="en">Nights</a>' in mine and '<span lang="en">Alone</span>' in mine
    practice = client.get("/play").get_data(as_text=True)
    assert '<span class="visually-hidden" lang="cy">Yn hwyr y nos</span>' in practice
