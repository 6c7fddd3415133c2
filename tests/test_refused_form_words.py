"""A form refused for its security token (expired session, or sent from elsewhere) gives back what was written.

The words are shown only when the browser says the form came from one of our pages: text posted
from another site is never displayed here. Passwords and codes are never given back.
"""
from __future__ import annotations

from tests.conftest import PASSWORD

REFLECTION = "/courses/listening/steps/welcome/reflections/r-hardest"
WORDS = "Staying with the silence, and not rushing to fill it <even when it hurts>."


def _kept(page: str) -> list[str]:
    return [part.split(">", 1)[1].split("</textarea>", 1)[0]
            for part in page.split('<textarea id="kept-')[1:]]


def test_an_expired_form_from_our_page_shows_the_words_to_copy(client, users):
    users.login(users.create())
    response = client.post(REFLECTION, data={"csrf_token": "expired", "text": WORDS},
                           headers={"Sec-Fetch-Site": "same-origin"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and response.headers["Cache-Control"] == "no-store"
    assert "This form had expired or was sent from somewhere else." in page
    assert '<h2 id="kept-heading">What you wrote</h2>' in page and "It has not been saved. Copy it now" in page
    assert _kept(page) == ["Staying with the silence, and not rushing to fill it &lt;even when it hurts&gt;."]
    assert '<label for="kept-1">Your words</label>' in page and "readonly" in page


def test_browsers_without_fetch_metadata_are_judged_by_their_origin(client, users):
    users.login(users.create())
    ours = client.post(REFLECTION, data={"csrf_token": "x", "text": WORDS}, headers={"Origin": "http://localhost"})
    assert len(_kept(ours.get_data(as_text=True))) == 1
    theirs = client.post(REFLECTION, data={"csrf_token": "x", "text": WORDS},
                         headers={"Origin": "https://elsewhere.example"})
    assert _kept(theirs.get_data(as_text=True)) == [] and "silence" not in theirs.get_data(as_text=True)
    unknown = client.post(REFLECTION, data={"csrf_token": "x", "text": WORDS})
    assert "silence" not in unknown.get_data(as_text=True)


def test_words_posted_from_another_site_are_never_shown(client, users):
    users.login(users.create())
    for where in ("cross-site", "same-site", "none"):
        response = client.post(REFLECTION, data={"csrf_token": "x", "text": "Call 0800 FAKE now"},
                               headers={"Sec-Fetch-Site": where, "Origin": "http://localhost"})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "FAKE" not in page and "What you wrote" not in page, where


def test_only_written_words_come_back_never_a_password_or_a_code(client, users):
    user = users.create(email="kept@example.org")
    response = client.post("/login", data={"csrf_token": "x", "email": user.email, "password": PASSWORD},
                           headers={"Sec-Fetch-Site": "same-origin"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and PASSWORD not in page and "What you wrote" not in page
    users.login(user)
    several = client.post("/play/runs/1/checkin", data={"csrf_token": "x", "feeling": "struggling",
                                                        "note": "Heavy night.", "text": "And a reply."},
                          headers={"Sec-Fetch-Site": "same-origin"})
    page = several.get_data(as_text=True)
    assert _kept(page) == ["And a reply.", "Heavy night."]  # in the order of WRITTEN_FIELDS
    assert "Your words (1 of 2)" in page and "struggling" not in page.split('id="kept-heading"', 1)[1]


def test_an_admins_support_introduction_and_organisation_details_come_back(client, users):
    """An admin's session that ended while they wrote the settings' longer boxes loses nothing either."""
    users.login(users.create(role="admin"))
    response = client.post("/admin/settings", data={"csrf_token": "expired", "SITE_NAME": "Harbour",
                                                    "SUPPORT_INTRO": "If tonight is hard, ring us.",
                                                    "ORG": "name = Harbour Lines"},
                           headers={"Sec-Fetch-Site": "same-origin"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _kept(page) == ["If tonight is hard, ring us.", "name = Harbour Lines"]
