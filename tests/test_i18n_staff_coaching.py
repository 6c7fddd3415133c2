"""Trainers' coaching pages in Welsh (issue 20): "Needs you", the review queue, a review and its messages.

The trainer's account language is Welsh; the pages, the form's refusal and the message after marking are Welsh.
"""
from __future__ import annotations

from lms.accounts.models import User
from tests.factories import post
from tests.test_coaching_pages import content_dir, loop  # noqa: F401  (fixtures shared with the English tests)


def test_a_welsh_trainer_reviews_a_response_in_welsh(client, session, users, loop):  # noqa: F811
    trainer, entry = loop["trainer"], loop["entry"]
    session.get(User, trainer.id).language = "cy"
    session.commit()
    users.login(trainer)

    board = client.get("/trainer/needs-you").get_data(as_text=True)
    assert '<html lang="cy">' in board and "<h1>Yn aros amdanoch</h1>" in board
    assert "Ymatebion i’w hadolygu (1)" in board and "Wedi gofyn i chi gysylltu (0)" in board
    assert "Nid oes neb wedi mynd heibio i ddyddiad cwblhau." in board
    assert 'Yn aros amdanoch <span class="nav-count">1' in board  # the main navigation's link and its count

    queue = client.get("/trainer/reviews").get_data(as_text=True)
    assert "<h1>Ymatebion i’w hadolygu</h1>" in queue and "1 yn aros, yr hynaf yn gyntaf." in queue
    assert "Eich holl garfanau" in queue and "anfonwyd " in queue

    url = f"/trainer/reviews/{entry.id}"
    review = client.get(url).get_data(as_text=True)
    assert "<h1>Adolygu ymateb</h1>" in review and "Eich dyfarniad" in review and "Yn cyrraedd y safon" in review
    refused = post(client, url, {"comment": "Geiriau a gadwyd"})
    assert refused.status_code == 400
    assert "Dewiswch “Yn cyrraedd y safon” neu “Rhowch gynnig arall arni”." in refused.get_data(as_text=True)
    marked = post(client, url, {"verdict": "try_again", "comment": "Gofynnwch am hunanladdiad."}, form_page=url,
                  follow_redirects=True).get_data(as_text=True)
    assert ("Wedi’i farcio. Gall yr hyfforddai ddarllen eich dyfarniad a’ch sylw ar y cam ac ar Fy hyfforddiant."
            in marked)
    assert "Nid oes ymatebion yn aros am adolygiad." in marked
