"""Format v1.1 assessments in a real browser: shuffled order, critical questions, `reveal: mistakes`."""
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import assert_accessible, browser_log_in

pytestmark = pytest.mark.browser

V11 = Path(__file__).parent.parent / "fixtures" / "v11"
RIGHT = {"c-secret": "4", "c-lead": "0", "c-break": "1", "c-tone": "0"}


@pytest.fixture
def content_dir() -> Path:
    return V11


def _shown(page: Page) -> list[tuple[str, tuple[str, ...]]]:
    """The attempt's questions and each one's choice values, in the order the page shows them."""
    return page.eval_on_selector_all(
        "#assessment-form fieldset",
        "sets => sets.map(s => [s.querySelector('input').name,"
        " Array.from(s.querySelectorAll('input')).map(i => i.value)])")


def test_shuffled_attempts_critical_miss_and_hidden_answers(page, live_server, users):
    browser_log_in(page, users.create().email)
    page.goto("/courses/safety")
    page.get_by_role("button", name="Start the course").click()
    page.goto("/courses/safety/steps/assessment")
    first = _shown(page)
    assert len(first) == 3 and "q-c-secret" in [name for name, _ in first]
    assert any(list(values) != sorted(values) for _, values in first)  # not all in file order
    page.reload()
    assert _shown(page) == first  # the same attempt: the same questions in the same order

    for name, _ in first:  # everything right except the critical question
        qid = name.removeprefix("q-")
        page.locator(f'input[name="{name}"][value="{"0" if qid == "c-secret" else RIGHT[qid]}"]').check()
    page.get_by_role("button", name="Submit answers").click()

    expect(page.get_by_text(
        "Your score reached the pass mark, but some questions must be right to pass.")).to_be_visible()
    missed = page.locator(".critical-missed")
    expect(missed).to_contain_text("must be right to pass, and it was not")
    expect(missed).to_contain_text("Do you promise to keep a secret about risk?")
    result = page.locator("#result")
    expect(result.get_by_text("You chose:").first).to_be_visible()
    expect(result.locator(".right-answer")).to_have_count(0)
    expect(result.get_by_text("No, never")).to_have_count(0)  # the right choice of the missed question stays hidden
    assert_accessible(page, "assessment result with reveal: mistakes")

    second = _shown(page)
    assert second and second != first  # a new attempt: a new draw and a new order
    page.reload()
    assert _shown(page) == second
