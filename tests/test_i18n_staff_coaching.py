"""Trainers' coaching pages in Welsh (issue 20): "Needs you", reviews, run comments and confirmations.

The trainer's account language is Welsh; the pages, the refusals and the messages after each action are Welsh.
"""
from __future__ import annotations

import pytest

from lms.accounts.models import User
from tests.conftest import csrf_token
from tests.factories import COACHING, coaching_loop, join, mark_shift_ready, post


@pytest.fixture
def content_dir():
    return COACHING


@pytest.fixture
def loop(app, session, users):
    return coaching_loop(app, session, users)


def _welsh_trainer(session, users, world) -> None:
    session.get(User, world["trainer"].id).language = "cy"
    session.commit()
    users.login(world["trainer"])


def test_a_welsh_trainer_reviews_a_response_in_welsh(client, session, users, loop):
    entry = loop["entry"]
    _welsh_trainer(session, users, loop)

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


def test_a_welsh_trainer_comments_on_a_run_and_confirms_a_step_for_a_cohort(client, session, users, loop):
    run, cohort, trainee = loop["run"], loop["cohort"], loop["trainee"]
    other = users.create(display_name="Ail Hyfforddai")
    join(session, cohort, other)
    mark_shift_ready(client, users, trainee)
    _welsh_trainer(session, users, loop)

    url = f"/trainer/runs/{run.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Y rhediad cyfan" in page and "Dewis 1" in page and "Llinell goch" in page
    added = post(client, f"{url}/comments", {"position": "0", "text": "Peidiwch ag addo cyfrinachedd."},
                 form_page=url, follow_redirects=True).get_data(as_text=True)
    assert "Mae’r sylw wedi’i ychwanegu. Bydd yr hyfforddai yn ei weld yn yr ôl-drafodaeth" in added
    empty = post(client, f"{url}/comments", {"position": "", "text": "  "}, form_page=url)
    assert empty.status_code == 400 and "Ysgrifennwch sylw yn gyntaf." in empty.get_data(as_text=True)

    assert "<h1>Camau i’w cadarnhau</h1>" in client.get("/trainer/confirmations").get_data(as_text=True)
    sheet_url = f"/trainer/cohorts/{cohort.id}/confirm"
    sheet = client.get(f"{sheet_url}?step=coaching/shift").get_data(as_text=True)
    assert "Yn dweud ei fod yn barod" in sheet and "Heb ddechrau’r cwrs" in sheet
    token = csrf_token(client, f"{sheet_url}?step=coaching/shift")
    members = [str(trainee.id), str(other.id)]
    done = client.post(sheet_url, data={"csrf_token": token, "step": "coaching/shift", "member": members},
                       follow_redirects=True).get_data(as_text=True)
    assert "Wedi’i gadarnhau ar gyfer 1: Nightowl." in done
    assert "Heb eu cadarnhau, gan nad ydynt wedi dechrau’r cwrs eto: Ail Hyfforddai." in done
