"""The trainers' content page, in a real browser, lists the organisation details still at org.yaml's sample values."""
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT, assert_accessible, browser_log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(ROOT / "tests" / "content" / "fixtures" / "v11", target)
    (target / "org.yaml").write_text("name: Nightline  # sample\n"
                                     "escalation_email: safeguarding@example.org  # sample\n")
    return target


@pytest.fixture
def app_config() -> dict:
    return {"ORG": {"escalation_email": "duty@riverside.example"}}


def test_content_page_shows_what_is_still_a_sample(page, live_server, users):
    users.create(role="trainer", email="tess@example.org")
    browser_log_in(page, "tess@example.org")
    page.goto("/trainer/content")
    samples = page.locator("#org-samples")
    expect(samples).to_contain_text("1 detail the training uses still has the sample value from org.yaml")
    expect(samples.get_by_role("listitem")).to_have_text(["org.name: “Nightline”"])
    details = page.get_by_role("table", name="Organisation details the training uses")
    expect(details.get_by_role("row").filter(has_text="org.name")).to_contain_text("sample value in org.yaml")
    expect(details.get_by_role("row").filter(has_text="org.escalation_email")).to_contain_text("this site's settings")
    assert_accessible(page, "trainer content page listing sample values")
