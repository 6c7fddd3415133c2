"""A scenario's footnotes on the pages that show its pieces: the briefing, a node, the debrief."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lms.catalog.services import catalog
from lms.roleplay import runs
from tests.factories import FIXTURE_CONTENT

LOOP = """---
title: Loop
summary: A node that comes up twice.
endings:
  pass: [win]
---
A briefing.[^brief]

## start
Someone posts.[^late]

- [Ask again](#start)
  > Asking twice is fine.[^ask]
- [Reply](#win) (+1)

## win
Well done.

[^brief]: Read it all first.
[^late]: At 2 am.
[^ask]: Within reason.
"""


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    (root / "scenarios" / "loop.md").write_text(LOOP)
    return root


def _ids_and_targets(html: str) -> tuple[list[str], list[str]]:
    return re.findall(r' id="([^"]+)"', html), re.findall(r' href="#(fn[^"]*)"', html)


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
