"""A table in a lesson (the sample's crisis lines) fits a 320 px phone: it scrolls in its own box, not the page."""
import re

import pytest

from tests.conftest import PASSWORD, ROOT

pytestmark = pytest.mark.browser

WIDTH = 320


@pytest.fixture
def content_dir():
    return ROOT


def test_the_table_of_crisis_lines_scrolls_in_its_own_named_box_at_320_px(browser, live_server, users):
    users.create(email="rhian@example.org")
    context = browser.new_context(base_url=live_server.url, viewport={"width": WIDTH, "height": 640})
    tab = context.new_page()
    try:
        tab.goto("/login")
        tab.get_by_label("Email").fill("rhian@example.org")
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Log in").click()
        tab.get_by_role("button", name=re.compile("^Log out")).wait_for()
        tab.goto("/courses/peer-support-basics")
        tab.get_by_role("main").get_by_role("button", name="Continue").click()
        tab.wait_for_load_state()
        tab.goto("/courses/peer-support-basics/steps/signposting?notes=continue")
        table = tab.get_by_role("table").filter(has_text="Samaritans")
        table.wait_for()
        assert tab.evaluate("document.documentElement.scrollWidth") <= WIDTH
        box = tab.get_by_role("region", name="Table").filter(has=table)
        assert box.get_attribute("tabindex") == "0"
        # The hidden columns are reachable: the box itself scrolls sideways.
        assert box.evaluate("b => b.scrollWidth > b.clientWidth")
        box.focus()
        tab.keyboard.press("ArrowRight")
        # Chromium scrolls smoothly: the box moves over the next frames, not by the time the key press returns
        # (read at once, it was sometimes still 0). Waits at most 5 s; fails if the box never scrolls.
        tab.wait_for_function("b => b.scrollLeft > 0", arg=box.element_handle(), timeout=5000)
    finally:
        context.close()
