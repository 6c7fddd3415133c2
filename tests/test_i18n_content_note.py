"""A role-play node's `Content note:` line in a Welsh translation (issue 20).

FORMAT.md keeps the keyword English in every language (it is syntax, like `## node-id`);
what a Welsh reader sees is the template's own label, in Welsh, and the translated topics.
"""
from __future__ import annotations

from pathlib import Path

import pytest

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
    return root


def test_a_welsh_reader_gets_a_welsh_content_note_label_for_the_english_keyword(client, users):
    users.login(users.create())
    client.get("/language/cy", headers={"Sec-Fetch-Site": "same-origin"})
    page = client.get(start(client, "late-night")).get_data(as_text=True)
    assert '<h2 id="node-note-heading">Nodyn cynnwys</h2>' in page
    assert "Mae’r neges nesaf yn cynnwys: meddyliau am hunanladdiad." in page
    assert "Content note" not in page and "Mae rhywun yn postio" not in page  # the text waits behind the note
