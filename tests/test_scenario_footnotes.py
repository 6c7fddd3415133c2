"""A scenario's footnotes on the pages that show its pieces: the briefing, a node, the debrief."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lms.catalog.services import catalog
from lms.roleplay import runs
from tests.factories import FIXTURE_CONTENT, start

LOOP = """---
title: Loop
summary: A node that comes up twice.
endings:
  pass: [win]
---
A briefing.[^brief]

## start
Someone posts.[^late]

### What to weigh
See [what to weigh](#what-to-weigh).

- [Ask again](#start)
  > Asking twice is fine.[^ask]
- [Reply](#win) (+1)

## win
Well done.

[^brief]: Read it all first.
[^late]: At 2 am.
[^ask]: Within reason.
"""


#: A note whose own text refers to another note: the node shows both.
NESTED = """---
title: Nested
summary: A note within a note.
endings:
  pass: [win]
---
A briefing.

## start
Someone posts late.[^late]

- [Reply](#win) (+1)

## win
Well done.

[^late]: At 2 am, when the moderators are fewest.[^why]
[^why]: Night shifts are the hardest to fill.
"""


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    (root / "scenarios" / "loop.md").write_text(LOOP)
    (root / "scenarios" / "nested.md").write_text(NESTED)
    return root


def _ids_and_targets(html: str) -> tuple[list[str], list[str]]:
    return re.findall(r' id="([^"]+)"', html), re.findall(r' href="#((?:s\d+-)?fn[^"]*)"', html)


def test_a_revisited_node_on_the_debrief_repeats_no_footnote_id(app, session, users):
    with app.app_context():
        loaded = catalog()
    assert not loaded.errors, loaded.errors
    scenario = loaded.scenario("loop")
    run = runs.start_run(session, users.create().id, scenario)
    for index in (0, 0, 1):  # ask, ask again, reply
        runs.choose(session, run, scenario, len(run.choices), index, None)
    session.commit()
    report = runs.debrief(run, scenario)
    assert [s.node_id for s in report.steps] == ["start", "start", "start"]
    page = "".join(s.body_html + s.feedback_html + s.recommended_feedback_html for s in report.steps)
    ids, targets = _ids_and_targets(page)
    assert len(ids) == len(set(ids)), ids
    assert set(targets) <= set(ids)  # every note link and back-link lands on this page
    assert page.count("At 2 am.") == 3 and page.count("Within reason.") == 2
    # Headings too: each copy of the node has its own, and its link goes to its own.
    headings = re.findall(r'<h3 id="([^"]+)"', page)
    assert len(headings) == 3 and len(set(headings)) == 3, headings
    assert set(re.findall(r'href="#([^"]*what-to-weigh)"', page)) == set(headings)


def _choose(client, run_url: str, choice: int) -> str:
    """Make a choice; returns the page it leads to (with the choice's feedback)."""
    page = client.get(run_url).get_data(as_text=True)
    position = re.search(r'name="position" value="(\d+)"', page)[1]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    data = {"csrf_token": token[1] or token[2], "position": position, "choice": str(choice)}
    response = client.post(run_url + "/choose", data=data, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _every_note_link_lands(page: str) -> None:
    ids, targets = _ids_and_targets(page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert targets and set(targets) <= set(ids), set(targets) - set(ids)


def test_the_briefing_each_node_and_the_debrief_show_the_notes_they_link_to(client, users):
    users.login(users.create())
    briefing = client.get("/play/loop").get_data(as_text=True)
    _every_note_link_lands(briefing)
    assert "Read it all first." in briefing and "At 2 am." not in briefing
    run_url = start(client, "loop")
    first = client.get(run_url).get_data(as_text=True)
    _every_note_link_lands(first)
    assert "At 2 am." in first and "Read it all first." not in first
    again = _choose(client, run_url, 0)  # ask again: the same node, under the feedback, which has a note too
    _every_note_link_lands(again)
    assert "Within reason." in again and "At 2 am." in again
    _choose(client, run_url, 0)
    _choose(client, run_url, 1)
    debrief = client.get(run_url + "/debrief").get_data(as_text=True)
    _every_note_link_lands(debrief)
    assert debrief.count("At 2 am.") == 3


def test_a_note_referred_to_inside_another_note_comes_with_it(client, users):
    users.login(users.create())
    run_url = start(client, "nested")
    page = client.get(run_url).get_data(as_text=True)
    _every_note_link_lands(page)
    assert "when the moderators are fewest" in page and "Night shifts are the hardest to fill." in page
    notes = page.split('<div class="footnote">', 1)[1].split("</div>", 1)[0]
    assert notes.index("when the moderators are fewest") < notes.index("Night shifts are the hardest to fill.")
    assert re.findall(r'<a class="footnote-ref" href="#[^"]+"[^>]*>(\d+)</a>', page) == ["1", "2"]
