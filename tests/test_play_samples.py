"""Every sample scenario plays to an ending through the real routes, whichever way one goes."""
from __future__ import annotations

import re

import pytest

from lms.catalog.services import catalog
from tests.conftest import CSRF_RE, ROOT, csrf_token


@pytest.fixture
def content_dir():
    return ROOT


def play_through(client, scenario_id: str, pick) -> str:
    """Start a run and keep choosing (`pick` chooses among the offered values) until the debrief."""
    response = client.post(
        f"/play/{scenario_id}/start", data={"csrf_token": csrf_token(client, f"/play/{scenario_id}")},
    )
    run_url = response.headers["Location"]
    for _ in range(60):
        page = client.get(run_url + "?show=1")
        if page.status_code == 302:
            assert page.headers["Location"] == run_url + "/debrief"
            return client.get(run_url + "/debrief").get_data(as_text=True)
        html = page.get_data(as_text=True)
        offered = re.findall(r'name="choice" value="(\d+)"', html)
        assert offered, f"{scenario_id}: a node with nothing to choose at {run_url}"
        position = re.search(r'name="position" value="(\d+)"', html).group(1)
        token = CSRF_RE.search(html).group(1)
        answer = client.post(run_url + "/choose", data={"csrf_token": token, "position": position,
                                                       "choice": pick(offered)})
        assert answer.status_code == 302
    raise AssertionError(f"{scenario_id}: no ending after 60 choices")


def test_every_sample_scenario_reaches_a_debrief(app, client, users):
    users.login(users.create())
    with app.app_context():
        scenario_ids = sorted(catalog().scenarios)
    assert len(scenario_ids) >= 3
    for scenario_id in scenario_ids:
        for pick in (lambda values: values[0], lambda values: values[-1]):
            debrief = play_through(client, scenario_id, pick)
            assert "The path you took" in debrief and "Your score:" in debrief
