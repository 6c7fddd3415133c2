"""A Welsh step file that leaves out the title or the content notes: the English ones it falls back to are
marked `lang="en"` on a Welsh page (WCAG 3.1.2), wherever the step's title or notes are shown."""
from __future__ import annotations

from pathlib import Path

import pytest

from lms.catalog.services import catalog
from tests.conftest import csrf_token


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    module = root / "courses" / "nights" / "1-first"
    module.mkdir(parents=True)
    (root / "courses" / "nights" / "course.md").write_text(
        "---\ntitle: Nights\nsummary: Night shifts.\n---\nWelcome.\n", encoding="utf-8")
    (root / "courses" / "nights" / "course.cy.md").write_text(
        "---\ntitle: Nosweithiau\nsummary: Shifftiau nos.\n---\nCroeso.\n", encoding="utf-8")
    (module / "module.md").write_text("---\ntitle: First\n---\n", encoding="utf-8")
    (module / "module.cy.md").write_text("---\ntitle: Cyntaf\n---\n", encoding="utf-8")
    (module / "01-alone.md").write_text("---\ntitle: Alone\ncontent_notes: [suicide]\n---\nRead this.\n",
                                        encoding="utf-8")
    (module / "01-alone.cy.md").write_text("Darllenwch hwn.\n", encoding="utf-8")  # no title, no notes
    (module / "02-after.md").write_text("---\ntitle: After\n---\nThen this.\n", encoding="utf-8")
    (module / "02-after.cy.md").write_text("---\ntitle: Wedyn\n---\nWedyn hwn.\n", encoding="utf-8")
    (module / "03-think.md").write_text(  # not translated
        "---\ntitle: Think\n---\nA pause.\n\n```reflection id=r-night\nWhat keeps you going at night?\n```\n",
        encoding="utf-8")
    return root


def test_a_step_records_the_parts_its_translation_leaves_in_the_original(app):
    with app.app_context():
        course = catalog().course("nights").localised("cy")
    alone, after, _think = course.steps
    assert (alone.title, alone.language, alone.original_parts) == ("Alone", "cy", {"title", "content_notes"})
    assert (after.title, after.original_parts) == ("Wedyn", {"content_notes"})


def test_an_english_step_title_and_notes_on_a_welsh_page_say_so(client, users):
    users.login(users.create())
    client.get("/language/cy", headers={"Sec-Fetch-Site": "same-origin"})
    outline = client.get("/courses/nights").get_data(as_text=True)
    assert '<span lang="en">Alone</span>' in outline and '<span lang="cy">Wedyn</span>' in outline
    assert '(nodyn cynnwys: <span lang="en">suicide</span>)' in outline
    assert client.post("/courses/nights/start", data={"csrf_token": csrf_token(client, "/courses/nights")}
                       ).status_code == 302
    outline = client.get("/courses/nights").get_data(as_text=True)
    assert 'lang="en">Alone</a>' in outline and 'lang="cy">Wedyn</a>' in outline
    notes = client.get("/courses/nights/steps/alone").get_data(as_text=True)  # the notes come first
    assert '<span lang="en">Alone</span>' in notes and '<span lang="en">suicide</span>' in notes
    step = client.get("/courses/nights/steps/alone?notes=continue").get_data(as_text=True)
    assert '<h1 lang="en">Alone</h1>' in step and '<div class="step-body" lang="cy">' in step
    assert '<span lang="cy">Wedyn</span>' in step  # the Next: link
    after = client.get("/courses/nights/steps/after").get_data(as_text=True)
    assert '<h1 lang="cy">Wedyn</h1>' in after and '<span lang="en">Alone</span>' in after  # the Previous: link


def test_a_reflection_on_an_english_step_keeps_its_prompt_english_in_my_reflections(client, users):
    """The prompt is saved with the language it was shown in: on a Welsh page, an untranslated step's is English."""
    users.login(users.create())
    client.get("/language/cy", headers={"Sec-Fetch-Site": "same-origin"})
    client.post("/courses/nights/start", data={"csrf_token": csrf_token(client, "/courses/nights")})
    step = "/courses/nights/steps/think"
    response = client.post(f"{step}/reflections/r-night", data={"csrf_token": csrf_token(client, step),
                                                                 "text": "Knowing the shift ends."})
    assert response.status_code == 303  # saved: back to the step
    page = client.get("/my/reflections").get_data(as_text=True)
    assert '<html lang="cy">' in page
    assert '<p class="muted reflection-prompt-text" lang="en">What keeps you going at night?</p>' in page
    entry_id = page.split('id="entry-', 1)[1].split('"', 1)[0]
    edit = client.get(f"/my/reflections/{entry_id}").get_data(as_text=True)
    assert '<p class="reflection-prompt-text" id="prompt" lang="en">What keeps you going at night?</p>' in edit
