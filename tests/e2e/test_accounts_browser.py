"""Accounts in a real browser: register, log in, log out, keyboard only, axe."""
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, assert_accessible, browser_register

pytestmark = pytest.mark.browser


def test_register_logout_login(page, live_server):
    page.goto("/")
    page.get_by_role("link", name="Create an account").first.click()
    browser_register(page, "Nightowl", "owl@example.org")
    expect(page.get_by_role("heading", name="Hello, Nightowl")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    assert "/login" in page.url
    page.get_by_label("Email").fill("owl@example.org")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello, Nightowl")).to_be_visible()


def test_keyboard_only_registration_and_login(page, live_server):
    page.goto("/register")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    for _ in range(20):  # tab to the first field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "display_name":
            break
    for text in ("Keys Only", "keys@example.org", PASSWORD, PASSWORD):
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    for _ in range(5):  # past the language choice (its first option is the site's default) to the button
        if page.evaluate("document.activeElement.textContent.trim()") == "Create account":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Create account"
    page.keyboard.press("Enter")
    page.wait_for_url("**/login")
    expect(page.get_by_role("status").filter(has_text="If that email address was new here")).to_be_visible()
    page.get_by_label("Email").fill("keys@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/home")
    expect(page.get_by_role("heading", name="Hello, Keys Only")).to_be_visible()
    # The focus ring is visible on keyboard focus.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/support"])
def test_public_pages_have_no_serious_accessibility_violations(page, live_server, path):
    page.goto(path)
    assert_accessible(page)


def test_logged_in_pages_accessible_at_phone_width(phone_page, live_server, users):
    users.create(email="phone@example.org")
    phone_page.goto("/login")
    phone_page.get_by_label("Email").fill("phone@example.org")
    phone_page.get_by_label("Password").fill(PASSWORD)
    phone_page.get_by_role("button", name="Log in").click()
    for path in ("/home", "/account/password", "/support"):
        phone_page.goto(path)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360, f"{path} scrolls sideways"
        assert_accessible(phone_page, path)


def test_error_page_shown_for_bad_form(page, live_server):
    page.goto("/register")
    page.get_by_label("Display name").fill("x")
    page.get_by_label("Email").fill("x@example.org")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password again").fill("short")
    page.get_by_role("button", name="Create account").click()
    assert "at least 8 characters" in page.get_by_role("alert").inner_text()
