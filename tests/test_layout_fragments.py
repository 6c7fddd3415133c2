"""The layout's shared fragments (base.html, lms/core/templating.Fragments): rendered once, never wrong.

Parts of the layout are rendered once per language, role and site settings and reused; these
tests hold what must still differ from page to page and from person to person.
"""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from lms.core import settings, templating


def _layout(html: str) -> str:
    return html.split('<main id="main"', 1)[0] + html.split("</main>", 1)[1]


def test_each_person_sees_their_own_name_and_token_in_the_shared_layout(app, client, users):
    first, second = users.create(display_name="Ffion First"), users.create(display_name="Sam Second")
    other = app.test_client()
    users.login(first)
    users.login(second, client=other)
    mine = client.get("/my-training").get_data(as_text=True)
    theirs = other.get("/my-training").get_data(as_text=True)
    assert "(Ffion First)" in mine and "Sam Second" not in mine
    assert "(Sam Second)" in theirs and "Ffion First" not in theirs
    token = re.compile(r'action="/logout" class="inline">\s*<input type="hidden" name="csrf_token" value="([^"]+)"')
    assert token.search(mine).group(1) != token.search(theirs).group(1)
    # The token in the layout is the one the session accepts: logging out with it works.
    response = client.post("/logout", data={"csrf_token": token.search(mine).group(1)})
    assert response.status_code == 302
    assert "Log in" in client.get("/support").get_data(as_text=True)


def test_the_current_page_is_marked_in_the_navigation_on_every_page(client, users):
    users.login(users.create())
    marked = re.compile(r'<a href="([^"]+)" aria-current="page">')
    for url in ("/my-training", "/courses", "/account/data", "/my-training"):
        page = client.get(url).get_data(as_text=True)
        assert marked.findall(_layout(page)) == [url], url
    assert marked.findall(_layout(client.get("/support").get_data(as_text=True))) == []


def test_the_language_switch_returns_to_the_page_it_was_on(client, users):
    users.login(users.create())
    for url in ("/courses", "/my-training", "/courses?audience=moderators"):
        page = client.get(url).get_data(as_text=True)
        link = html.unescape(re.search(r'<a href="(/language/cy[^"]*)" hreflang="cy"', page).group(1))
        assert parse_qs(urlsplit(link).query)["next"] == [url], link


def test_a_changed_site_name_shows_on_the_next_page(app, client, users):
    users.login(users.create())
    assert "<title>My training · " in client.get("/my-training").get_data(as_text=True)
    with app.app_context():
        from lms.core.db import db

        settings.put("SITE_NAME", "Renamed Training", None)
        db.session.commit()
    page = client.get("/my-training").get_data(as_text=True)
    assert "· Renamed Training</title>" in page and '<a class="brand" href="/">Renamed Training</a>' in page


def test_a_navigation_count_is_shown_as_it_is_now(app, client, users):
    waiting = [0]
    templating.add_nav_link(app, "main.support", "Counted", "trainee", 99, count=lambda: waiting[0])
    users.login(users.create())
    assert '<a href="/support">Counted</a>' in client.get("/my-training").get_data(as_text=True)
    waiting[0] = 3
    page = client.get("/my-training").get_data(as_text=True)
    assert '<a href="/support">Counted <span class="nav-count">3<span class="visually-hidden"> waiting' in page


def test_signed_out_and_welsh_pages_get_their_own_layout(client, users):
    page = client.get("/support").get_data(as_text=True)
    assert '<a href="/login">Log in</a>' in page and "Log out" not in page
    user = users.create()
    users.login(user)
    english = client.get("/support").get_data(as_text=True)
    assert "Log out" in english and '<html lang="en">' in english
    client.get("/language/cy", headers={"Sec-Fetch-Site": "same-origin"})
    welsh = client.get("/support").get_data(as_text=True)
    assert '<html lang="cy">' in welsh and "Skip to main content" not in welsh
