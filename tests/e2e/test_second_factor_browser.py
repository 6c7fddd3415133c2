"""Issue 11, item 9 in a real browser: a trainer sets up an authenticator app, then logs in with a code
from it, and with a recovery code."""
from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible, browser_log_in

pytestmark = pytest.mark.browser


def _log_in_with_code(page, email: str, code: str) -> None:
    browser_log_in(page, email)
    page.wait_for_url("**/login/code")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()


def test_a_trainer_sets_up_a_second_factor_and_logs_in_with_it(page, live_server, users):
    trainer = users.create(role="trainer", email="tess@example.org", display_name="Tess Trainer")
    browser_log_in(page, trainer.email)
    page.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Second factor").click()
    expect(page.get_by_role("heading", name="Second factor: an authenticator app")).to_be_visible()
    expect(page.locator("svg.qr-code")).to_be_visible()
    assert_accessible(page, "second factor set-up")
    # What someone who cannot scan types into their app by hand.
    secret = page.locator("#second-factor-key").inner_text().replace(" ", "")
    page.get_by_label("The 6-digit code your app shows now").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Shown only this once.")).to_be_visible()
    codes = [code.strip() for code in page.locator(".recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    assert_accessible(page, "recovery codes")
    page.get_by_role("link", name="I have saved them: continue").click()
    page.get_by_role("button", name="Log out").click()

    # The password alone is not enough now; a wrong code is refused, saying so.
    browser_log_in(page, trainer.email)
    page.wait_for_url("**/login/code")
    assert_accessible(page, "code step")
    page.goto("/trainer/")
    assert "/login" in page.url  # half logged in opens nothing
    _log_in_with_code(page, trainer.email, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    expect(page.get_by_text("That code is not right").first).to_be_visible()
    # The code used to set it up is spent: the app's next one (accepted a step early) logs in.
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "/login" not in page.url
    page.goto("/trainer/")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert "/trainer/" in page.url
    page.get_by_role("button", name="Log out").click()

    # No phone: a recovery code, once.
    _log_in_with_code(page, trainer.email, codes[0])
    expect(page.get_by_text("You logged in with a recovery code")).to_be_visible()
    expect(page.get_by_text("You have 9 left")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    _log_in_with_code(page, trainer.email, codes[0])
    expect(page.get_by_text("That code is not right").first).to_be_visible()
