"""Words a trainee writes on a step are never lost on the way to the next one (QA pass, 1 December).

A grounding or pause step asks "how do you feel now?" in a reflection box and has a "Mark as
done and continue" button. Pressing it with the reflection typed and not saved used to move on
and drop the words. The button now sends the reflection with it, in a real browser.
"""
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import FIXTURE_CONTENT, browser_log_in

pytestmark = pytest.mark.browser

GROUNDING = """---
title: Grounding
---
Take a slow breath before the next part.

```reflection id=r-now
One word for how you feel now?
```
"""


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    (root / "courses" / "listening" / "6-grounding.md").write_text(GROUNDING)
    return root


def test_mark_as_done_saves_the_reflection_being_written(page, live_server, users):
    browser_log_in(page, users.create().email)
    page.goto("/courses/listening")
    page.get_by_role("button", name="Continue").click()  # starts the course
    page.goto("/courses/listening/steps/grounding")
    page.get_by_label("One word for how you feel now?").fill("Wobbly, but OK.")
    page.get_by_role("button", name="Mark as done and continue").click()
    expect(page.get_by_role("heading", name="Listening basics")).to_be_visible()  # the last step: the overview
    page.goto("/my/reflections")
    expect(page.get_by_text("Wobbly, but OK.")).to_be_visible()
    page.goto("/courses/listening/steps/grounding")
    expect(page.get_by_text("Done", exact=True)).to_be_visible()
