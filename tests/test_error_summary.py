"""One error style for every form (the GOV.UK Design System pattern).

Each main form, sent badly, comes back with a summary above it ("There is a problem", role=alert,
focused) that links to each field in error; each field carries its own message, tied to the input
by aria-describedby, and is marked aria-invalid. Registration reports every problem at once.
"""
from __future__ import annotations

import lxml.html
import pytest

from tests.conftest import csrf_token
from tests.factories import make_cohort


def _summary(html: str) -> dict[str, str]:
    """{field id: message} from the page's one error summary, after checking every link lands on a marked field."""
    doc = lxml.html.fromstring(html)
    summaries = doc.find_class("error-summary")
    assert len(summaries) == 1, f"expected one error summary, found {len(summaries)}"
    box = summaries[0]
    assert box.get("role") == "alert" and box.get("tabindex") == "-1" and box.get("autofocus") is not None
    assert "There is a problem" in box.text_content()
    links = {a.get("href")[1:]: a.text_content().strip() for a in box.iter("a")}
    for target, message in links.items():
        found = doc.get_element_by_id(target, None)
        assert found is not None, f"the summary links to #{target}, which is not on the page"
        field_id = target[:-2] if target.endswith("-0") and found.get("type") == "radio" else target
        assert found.get("aria-invalid") == "true", f"#{target} is not marked aria-invalid"
        error = doc.get_element_by_id(f"{field_id}-error", None)
        assert error is not None and message in error.text_content(), f"#{field_id} does not say {message!r} itself"
        described = found.get("aria-describedby") or doc.get_element_by_id(field_id).get("aria-describedby") or ""
        assert f"{field_id}-error" in described.split(), f"#{target} is not described by its error"
    return links


def _post(client, url: str, data: dict, form_page: str | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client, form_page or url), **data})


def test_registration_reports_every_problem_at_once(client):
    response = _post(client, "/register", {"display_name": "", "email": "not an email", "password": "short",
                                           "confirm": "different"})
    links = _summary(response.get_data(as_text=True))
    assert set(links) == {"display_name", "email", "password", "confirm"}
    assert links["display_name"] == "Enter a display name."
    assert links["email"] == "Enter an email address like name@example.org."
    assert links["password"] == "Choose a password of at least 8 characters. A few words together work well."
    assert links["confirm"] == "The two passwords do not match."


def test_registration_with_nothing_filled_in_lists_each_field(client):
    links = _summary(_post(client, "/register", {}).get_data(as_text=True))
    assert set(links) == {"display_name", "email", "password", "confirm"}


def test_a_rule_of_no_single_field_shows_in_the_summary_without_a_link(client):
    response = _post(client, "/register?invite=no-such-token", {"display_name": "Sam", "email": "sam@example.org",
                                                                "password": "a long passphrase", "confirm":
                                                                "a long passphrase", "invite": "no-such-token"},
                     form_page="/register")
    html = response.get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    box = doc.find_class("error-summary")
    assert box and "There is a problem" in box[0].text_content() and not list(box[0].iter("a"))
    assert "flash-error" not in html  # said once, in the summary


def test_login_and_password_forms_use_the_summary(client, users):
    assert set(_summary(_post(client, "/login", {"email": "", "password": ""}).get_data(as_text=True))) == \
        {"email", "password"}
    wrong = _post(client, "/login", {"email": "nobody@example.org", "password": "wrong password"})
    box = lxml.html.fromstring(wrong.get_data(as_text=True)).find_class("error-summary")
    assert box and box[0].get("role") == "alert"
    users.login(users.create())
    links = _summary(
        _post(client, "/account/password", {"current": "", "new": "", "confirm": "x"}).get_data(as_text=True),
    )
    assert {"current", "new", "confirm"} <= set(links)


def test_trainer_forms_use_the_summary(client, session, users):
    trainer = users.create(role="trainer")
    users.login(trainer)
    assert set(_summary(_post(client, "/trainer/cohorts/new", {"name": ""}).get_data(as_text=True))) == {"name"}
    cohort = make_cohort(session, trainer, name="Night moderators")
    page = f"/trainer/cohorts/{cohort.id}"
    links = _summary(_post(client, f"{page}/invites", {"kind": "single", "email": "not an email", "days": "0"},
                           form_page=page).get_data(as_text=True))
    assert set(links) == {"email", "days"}
    links = _summary(_post(client, f"{page}/trainers", {"email": ""}, form_page=page).get_data(as_text=True))
    assert set(links) == {"co_trainer_email"}  # not the invitation form's "email", on the same page
    links = _summary(_post(client, f"{page}/invites", {"kind": "nonsense", "days": "14"},
                           form_page=page).get_data(as_text=True))
    assert set(links) == {"kind-0"}  # a choice of one: the link goes to its first button
    # A rule of the service, not of one field: said in the same summary, above the form, once.
    response = _post(client, f"{page}/invites", {"kind": "link", "days": "14", "send_email": "y"}, form_page=page)
    html = response.get_data(as_text=True)
    box = lxml.html.fromstring(html).find_class("error-summary")
    message = "To email an invitation, choose a personal link and enter their email address."
    assert len(box) == 1 and message in box[0].text_content() and html.count(message) == 1
    # The same for the co-trainer and course forms: a refusal sits in that form's summary, said once.
    for url, data, message in [
        (f"{page}/trainers", {"email": "nobody@example.org"}, "There is no active trainer account with that email."),
        (f"{page}/trainers", {"email": trainer.email}, "already supervises this cohort."),
    ]:
        html = _post(client, url, data, form_page=page).get_data(as_text=True)
        box = lxml.html.fromstring(html).find_class("error-summary")
        assert len(box) == 1 and message in box[0].text_content() and html.count(message) == 1, message


def test_admin_forms_use_the_summary(client, users):
    admin = users.create(role="admin")
    users.login(admin)
    links = _summary(_post(client, "/admin/settings", {"CERTIFICATE_PRIMARY_COLOUR": "not a colour",
                                                       "REGISTRATION": "nonsense"}).get_data(as_text=True))
    assert "REGISTRATION-0" in links
    target = users.create()
    page = f"/admin/users/{target.id}"
    links = _summary(_post(client, f"{page}/role", {"role": "trainer", "admin_password": ""},
                           form_page=page).get_data(as_text=True))
    assert set(links) == {"admin_password"}
    # Resetting a password asks on a confirmation page; a wrong password of the admin's shows in its summary.
    links = _summary(_post(client, f"{page}/password", {"confirmed": "yes", "reset-admin_password": "not my password"},
                           form_page=page).get_data(as_text=True))
    assert links == {"reset-admin_password": "That is not your password, so nothing was changed."}


@pytest.mark.parametrize("path", ["/register", "/login"])
def test_checkboxes_and_radios_sit_on_one_line_with_their_label(client, path):
    """The markup the CSS puts on one line: the input, then its label, in one .checkbox-row."""
    doc = lxml.html.fromstring(client.get(path).get_data(as_text=True))
    for box in doc.xpath("//input[@type='checkbox' or @type='radio']"):
        row = box.getparent()
        assert "checkbox-row" in (row.get("class") or ""), lxml.html.tostring(row)
        assert row.xpath(f"label[@for='{box.get('id')}']")
