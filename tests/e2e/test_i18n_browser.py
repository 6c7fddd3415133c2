"""A Welsh-speaking trainee's whole path on a 360 px phone (issue 20, item 7).

They choose Cymraeg before registering, then take the Welsh fixture course
(tests/fixtures/content/**/*.cy.md): a practice question, a reflection, a
content note, the Welsh role-play to its debrief, the assessment, and their
certificates. Every page is checked for English words of the interface left
on it (names and language-switch links aside), for sideways scrolling from the
longer Welsh words, and with axe.

Like every browser test it runs once, on SQLite; `--db postgresql` runs it on PostgreSQL.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, assert_accessible

pytestmark = pytest.mark.browser

#: Words of the English interface that must not be left on a Welsh page. Names (the site's,
#: the charity's, people's) are not in the list; text marked with another `lang` (the
#: language switch's "English") is left out before looking.
ENGLISH = re.compile(
    r"\b(Log ?in|Log ?out|Account|Home|Hello|Welcome|Courses?|Continue|Start|Step|Steps|Next|Previous|"
    r"Question|Check answer|Try again|Correct|Not quite|Reflections?|Save|Saved?|Done|Optional|Role-plays?|"
    r"Debrief|Briefing|Choice|Your score|Passed|Not passed|Back to|Certificates?|My training|Get support|"
    r"Take a break|Skip|Before you start|Content note|What do you do|Feedback|Pause|Resume|minutes?|about|"
    r"Assessment|Attempt|Submit|Select all|Private|Only you|trainer|Show|Completed|In progress|Error)\b")

#: The page's own words: visible text, visually hidden text and the labels screen readers read.
PAGE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('[lang]:not([lang="cy"]), script, style, template').forEach(e => e.remove());
  const labels = [...copy.querySelectorAll('[aria-label], [title], [placeholder]')].map(
    e => [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('placeholder')].join(' '));
  return copy.textContent + ' ' + labels.join(' ');
}"""


def _check(page: Page, what: str) -> None:
    """No English of the interface, no sideways scroll at 360 px, and axe clean."""
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    text = " ".join(page.evaluate(PAGE_TEXT).split())
    left = sorted({m.group(0) for m in ENGLISH.finditer(text)})
    assert not left, f"English left on the Welsh {what} page ({page.url}): {left}\n{text[:3000]}"
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"the {what} page scrolls sideways"
    assert_accessible(page, what)


def _next_step(page: Page) -> None:
    page.get_by_role("navigation", name="Camau").get_by_role("link", name=re.compile(r"^Cam nesaf")).click()


def test_a_welsh_trainee_takes_the_welsh_course_and_role_play_on_a_phone(phone_page: Page):
    page = phone_page
    assert page.viewport_size and page.viewport_size["width"] == 360

    # A visitor chooses Cymraeg with the switch, then registers with Welsh as their language.
    page.goto("/register")
    # The same page in English shows the check is not vacuous: it finds the interface's words.
    assert {"Log in", "Get support"} <= {m.group(0) for m in ENGLISH.finditer(page.evaluate(PAGE_TEXT))}
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Cymraeg").click()
    expect(page.get_by_role("heading", name="Creu cyfrif")).to_be_visible()
    _check(page, "registration")
    page.get_by_label("Enw arddangos").fill("Cerys")
    page.get_by_label("E-bost").fill("cerys@example.org")
    page.get_by_label("Cyfrinair", exact=True).fill(PASSWORD)
    page.get_by_label("Cyfrinair eto").fill(PASSWORD)
    page.get_by_role("combobox", name="Iaith").select_option("cy")
    page.get_by_role("button", name="Creu cyfrif").click()
    page.wait_for_url("**/login")
    _check(page, "log in (after registering)")
    page.get_by_label("E-bost").fill("cerys@example.org")
    page.get_by_label("Cyfrinair").fill(PASSWORD)
    page.get_by_role("button", name="Mewngofnodi").click()
    expect(page.get_by_role("heading", name="Helo, Cerys")).to_be_visible()
    _check(page, "home")

    # The catalogue, filtered without JavaScript; the course in Welsh.
    page.get_by_role("navigation", name="Prif").get_by_role("link", name="Cyrsiau").click()
    page.get_by_label("Dangos cyrsiau ar gyfer").select_option("peer-supporter")
    page.get_by_role("button", name="Dangos cyrsiau").click()
    expect(page.get_by_text("1 cwrs ar gyfer cymheiriaid cefnogol.")).to_be_visible()
    _check(page, "catalogue")
    page.get_by_role("link", name="Hanfodion gwrando").click()
    expect(page.get_by_role("heading", name="Hanfodion gwrando")).to_be_visible()
    expect(page.get_by_role("heading", name="Cyn i chi ddechrau")).to_be_visible()
    expect(page.get_by_text("Nodyn cynnwys: hunanladdiad.")).to_be_visible()
    _check(page, "course")
    page.get_by_role("button", name="Parhau").click()

    # Step 1: a practice question answered wrongly then rightly, and a private reflection.
    expect(page.get_by_role("progressbar", name="Cam 1 o 4")).to_be_visible()
    expect(page.get_by_role("heading", name="Croeso", exact=True)).to_be_visible()
    page.get_by_label('"Codwch eich calon."').check()
    page.get_by_role("button", name="Gwirio’r ateb").click()
    expect(page.get_by_text("Ddim yn hollol.")).to_be_visible()
    expect(page.get_by_text("Rhy gyflym i gysuro.")).to_be_visible()
    _check(page, "question with feedback")
    page.get_by_label('"Mae’n swnio fel bod pethau’n ormod ar hyn o bryd."').check()
    page.get_by_role("button", name="Rhowch gynnig arall arni").click()
    expect(page.get_by_text("Cywir.", exact=True)).to_be_visible()
    page.get_by_label("Beth fyddai anoddaf i chi am wrando?").fill("Peidio â rhuthro i ddatrys pethau.")
    page.get_by_role("button", name="Cadw’r myfyrdod").click()
    expect(page.get_by_role("status").filter(has_text="Mae eich myfyrdod wedi’i gadw")).to_be_visible()
    _check(page, "step with a saved reflection")
    _next_step(page)

    # Step 2: its content note first, then select-all-that-apply.
    expect(page.get_by_role("heading", name="Cyn “Ymarfer”")).to_be_visible()
    _check(page, "step content note")
    page.get_by_role("link", name="Parhau").click()
    expect(page.locator(".question .hint")).to_have_text("Dewiswch bob un sy’n berthnasol.")
    page.get_by_label('"Sut ydych chi’n teimlo heno?"').check()
    page.get_by_label('"Beth ddigwyddodd wedyn?"').check()
    page.get_by_role("button", name="Gwirio’r ateb").click()
    expect(page.get_by_text("Cywir.", exact=True)).to_be_visible()
    _next_step(page)

    # Step 3: the Welsh role-play, played to its debrief.
    expect(page.get_by_role("heading", name="Chwarae rôl: Neges hwyr")).to_be_visible()
    _check(page, "role-play step")
    page.get_by_role("button", name="Dechrau’r chwarae rôl").click()
    expect(page.get_by_text("Mae’r neges nesaf yn cynnwys: hunanladdiad.")).to_be_visible()
    _check(page, "role-play content note")
    page.get_by_role("link", name="Dangos y neges").click()
    expect(page.locator(".situation")).to_contain_text("Alla i ddim gwneud hyn ddim mwy.")
    expect(page.get_by_text("Dewis 1 o tua 2")).to_be_visible()
    _check(page, "role-play")
    page.get_by_role("button", name="Estyn allan yn breifat").click()
    expect(page.get_by_role("heading", name="Adborth ar eich dewis diwethaf")).to_be_visible()
    _check(page, "role-play with feedback")
    page.get_by_role("button", name="Gofyn yn uniongyrchol am hunanladdiad").click()
    expect(page.get_by_role("heading", name="Ôl-drafodaeth: Neges hwyr")).to_be_visible()
    expect(page.locator(".debrief-result .verdict")).to_contain_text("Wedi llwyddo")
    expect(page.get_by_text("Eich sgôr: 3 (y sgôr llwyddo yw 2).")).to_be_visible()
    _check(page, "debrief")
    page.get_by_role("link", name="Yn ôl i’r cwrs").click()
    expect(page.locator(".step-status")).to_contain_text("Wedi’i wneud")
    _next_step(page)

    # Step 4 is optional; step 5, the assessment, passed at the first attempt.
    expect(page.get_by_text("Dewisol", exact=True)).to_be_visible()
    _next_step(page)
    expect(page.get_by_role("progressbar", name="Cam 4 o 4")).to_be_visible()
    _check(page, "assessment")
    page.get_by_label("Nac ydy", exact=True).check()
    page.get_by_label("Yr arweinydd diogelu").check()
    page.get_by_role("button", name="Cyflwyno’r atebion").click()
    expect(page.get_by_role("status").filter(has_text="rydych wedi cwblhau “Hanfodion gwrando”")).to_be_visible()
    expect(page.get_by_text("Rydych wedi llwyddo. Da iawn.")).to_be_visible()
    expect(page.get_by_text("Cynnig 1: 2 o 2 yn gywir (100%).")).to_be_visible()
    _check(page, "assessment result")

    # My training, and the certificates the course gives.
    page.get_by_role("navigation", name="Prif").get_by_role("link", name="Fy hyfforddiant").click()
    _check(page, "my training")
    page.goto("/certificates")
    expect(page.get_by_role("heading", name="Fy nhystysgrifau")).to_be_visible()
    expect(page.locator(".certificates-panel")).to_contain_text("Rydych wedi cwblhau Hanfodion gwrando.")
    _check(page, "my certificates")
    page.get_by_role("link", name=re.compile(r"^Cael eich tystysgrif")).click()
    expect(page.get_by_role("heading", name="Cael eich tystysgrif ar gyfer Hanfodion gwrando")).to_be_visible()
    _check(page, "claim a certificate")

    # Other pages of the path: the role-play list, my reflections, my account, a page that is not there.
    page.get_by_role("navigation", name="Prif").get_by_role("link", name="Chwarae rôl").click()
    expect(page.get_by_role("heading", name="Chwarae rôl", level=1)).to_be_visible()
    expect(page.get_by_text("wedi’i chwarae unwaith;")).to_be_visible()
    _check(page, "role-plays")
    page.get_by_role("link", name=re.compile(r"^Dechrau")).click()
    expect(page.get_by_role("heading", name="Briff")).to_be_visible()
    _check(page, "role-play briefing")
    page.goto("/my/reflections")
    expect(page.get_by_text("Peidio â rhuthro i ddatrys pethau.")).to_be_visible()
    _check(page, "my reflections")
    page.get_by_role("navigation", name="Prif").get_by_role("link", name="Cyfrif").click()
    expect(page.get_by_role("heading", name="Eich cyfrif", exact=True)).to_be_visible()
    _check(page, "my account")
    page.goto("/verify")
    expect(page.get_by_role("heading", name="Gwirio tystysgrif")).to_be_visible()
    _check(page, "check a certificate")
    page.goto("/no-such-page")
    expect(page.get_by_role("heading", name="Nid oeddem yn gallu dod o hyd i’r dudalen honno")).to_be_visible()
    _check(page, "not found")
