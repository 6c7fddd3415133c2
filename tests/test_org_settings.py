"""Organisation variables from the site (FORMAT.md 7.5): configuration, the admin page, the content page."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lms import create_app
from lms.core.config import ConfigError
from lms.core.db import db as database
from tests.conftest import ROOT, Users, _config, csrf_token
from tests.factories import enrol

V11 = ROOT / "tests" / "content" / "fixtures" / "v11"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(V11, target)
    return target


def _reload(app) -> None:
    app.extensions["lms_catalog"].reload()


def test_config_org_overrides_org_yaml(app_config, app, client, users):
    users.login(users.create())
    assert "Safe replies at Nightline" in client.get("/courses").get_data(as_text=True)
    app.config["ORG"] = {"name": "Riverside Forum"}
    _reload(app)
    page = client.get("/courses").get_data(as_text=True)
    assert "Safe replies at Riverside Forum" in page and "Nightline" not in page


def test_bad_org_in_configuration_is_refused(tmp_path, content_dir):
    with pytest.raises(ConfigError, match="LMS_ORG: 'Charity Name' is not a valid variable name"):
        create_app(_config(f"sqlite:///{tmp_path}/x.sqlite3", content_dir, ORG={"Charity Name": "x"}),
                   instance_path=str(tmp_path / "i"))


def test_admin_fills_in_a_missing_variable_and_the_training_uses_it(app, client, users, content_dir):
    (content_dir / "org.yaml").write_text("name: Nightline\n")  # escalation_email now has no value
    _reload(app)
    users.login(users.create(role="admin"))
    page = client.get("/trainer/content").get_data(as_text=True)
    assert "nobody has filled them in" in page and "org.escalation_email" in page
    # Its last working version stays live meanwhile (as for any edit that breaks a unit).
    assert app.extensions["lms_catalog"].kept

    url = "/admin/settings"
    form = client.get(url).get_data(as_text=True)
    assert 'name="ORG"' in form
    bad = client.post(url, data={"csrf_token": csrf_token(client, url), "SITE_NAME": "Site", "REGISTRATION": "open",
                                 "CERTIFICATE_PRIMARY_COLOUR": "#1d4f91", "ORG": "Escalation Email = x"})
    assert bad.status_code == 400
    assert "line 1: &#39;Escalation Email&#39; is not a valid variable name" in bad.get_data(as_text=True)
    # HTML in a value would be dropped from pages (and break the courses using it): refused at the setting.
    tagged = client.post(url, data={"csrf_token": csrf_token(client, url), "SITE_NAME": "Site", "REGISTRATION": "open",
                                    "CERTIFICATE_PRIMARY_COLOUR": "#1d4f91", "ORG": "name = Harbour <Cymru> & Co"})
    assert tagged.status_code == 400
    assert ("&#39;name&#39; holds HTML (&#39;&lt;Cymru&gt;&#39;), which the pages would drop; write plain words"
            in tagged.get_data(as_text=True))

    good = client.post(url, data={"csrf_token": csrf_token(client, url), "SITE_NAME": "Site", "REGISTRATION": "open",
                                  "CERTIFICATE_PRIMARY_COLOUR": "#1d4f91",
                                  "ORG": "name = Riverside Forum\nescalation_email = leads@riverside.example"})
    assert good.status_code == 302
    _reload(app)  # what the reload generation makes every worker do
    courses = app.extensions["lms_catalog"].catalog.courses
    assert courses["safe-replies"].title == "Safe replies at Riverside Forum"
    page = client.get("/trainer/content").get_data(as_text=True)
    assert "nobody has filled them in" not in page and "leads@riverside.example" in page
    assert "this site's settings" in page
    # The form shows the values as name = value lines.
    assert "escalation_email = leads@riverside.example" in client.get(url).get_data(as_text=True)



def test_lms_org_from_the_environment_reaches_the_running_app(monkeypatch, database_url, content_dir, tmp_path):
    monkeypatch.setenv("LMS_ORG", '{"name": "Envline", "escalation_email": "crisis@envline.example"}')
    app = create_app(_config(database_url, content_dir), instance_path=str(tmp_path / "instance"))
    try:
        client = app.test_client()
        users = Users(app, client)
        trainee = users.create()
        users.login(trainee)
        with app.app_context():
            enrol(database.session, trainee, "safe-replies")
        step = client.get("/courses/safe-replies/steps/test")
        assert step.status_code == 200
        page = step.get_data(as_text=True)
        assert "escalate to crisis@envline.example" in page and "safeguarding@example.org" not in page
        assert "Safe replies at Envline" in client.get("/courses").get_data(as_text=True)
    finally:
        app.extensions["lms_db"].dispose()


def test_content_page_lists_a_unit_whose_review_is_overdue(app, client, trainer, content_dir):
    step = content_dir / "courses" / "safe-replies" / "3-shadow.md"
    step.write_text(step.read_text().replace("---\n", "---\nreviewed: 2020-01-10\nreview_every_months: 6\n", 1))
    _reload(app)
    page = client.get("/trainer/content").get_data(as_text=True)
    due = page[page.index('id="review"'):page.index("Live courses")]
    assert "<code>shadow</code> in <code>safe-replies</code> — due 10 July 2020" in due
    assert "Nothing is past its review date" not in due


def test_content_page_lists_details_still_at_their_sample_values(app, client, trainer, content_dir):
    (content_dir / "org.yaml").write_text(
        "name: Nightline  # sample\nescalation_email: safeguarding@example.org\nunused: x  # sample\n")
    _reload(app)
    page = client.get("/trainer/content").get_data(as_text=True)
    box = page[page.index('id="org-samples"'):]
    box = box[:box.index("</div>")]
    assert "1 detail the training uses still has the sample value from <code>org.yaml</code>" in box
    assert "<code>org.name</code>: “Nightline”" in box
    assert "org.escalation_email" not in box and "org.unused" not in box  # not a sample; not used
    assert "sample value in org.yaml" in page

    app.config["ORG"] = {"name": "Riverside Forum"}  # the site's setting replaces the sample
    _reload(app)
    page = client.get("/trainer/content").get_data(as_text=True)
    assert 'id="org-samples"' not in page and "sample value in org.yaml" not in page


WELSH_COURSE = """---
title: Atebion diogel yn {{ org.name }}
summary: Pob elfen v1.1 mewn un cwrs.
---
Croeso i {{ org.name }}.
"""


def _welsh_reader(users, session):
    from lms.accounts.models import User

    user = users.create()
    session.get(User, user.id).language = "cy"
    session.commit()
    users.login(user)
    return user


def test_the_site_gives_a_value_its_own_words_for_one_languages_pages(app, client, users, session, content_dir):
    """`name.cy = ...` on the admin page is what Welsh pages say; `name = ...` what the others say."""
    (content_dir / "courses" / "safe-replies" / "course.cy.md").write_text(WELSH_COURSE)
    users.login(users.create(role="admin"))
    url = "/admin/settings"
    fields = {"csrf_token": csrf_token(client, url), "SITE_NAME": "Site", "REGISTRATION": "open",
              "CERTIFICATE_PRIMARY_COLOUR": "#1d4f91"}
    refused = client.post(url, data={**fields, "ORG": "name.Welsh = Fforwm"})
    assert refused.status_code == 400 and "line 1: &#39;name.Welsh&#39; is not a valid variable name" in \
        refused.get_data(as_text=True)
    saved = client.post(url, data={**fields, "ORG": "name = Riverside Forum\nname.cy = Fforwm Glan yr Afon"})
    assert saved.status_code == 302
    assert "name = Riverside Forum\nname.cy = Fforwm Glan yr Afon" in client.get(url).get_data(as_text=True)
    _reload(app)
    catalog = app.extensions["lms_catalog"].catalog
    assert catalog.courses["safe-replies"].title == "Safe replies at Riverside Forum"
    listed = " ".join(client.get("/trainer/content").get_data(as_text=True).split())
    assert ('<td><code>org.name.cy</code></td> <td lang="cy">Fforwm Glan yr Afon</td>'
            "<td>this site's settings, for pages in ‘cy’</td>") in listed
    users.logout()
    _welsh_reader(users, session)
    welsh = client.get("/courses/safe-replies").get_data(as_text=True)
    assert "Atebion diogel yn Fforwm Glan yr Afon" in welsh and "Croeso i Fforwm Glan yr Afon." in welsh
    assert "Riverside Forum" not in welsh
    users.logout()
    users.login(users.create())
    english = client.get("/courses/safe-replies").get_data(as_text=True)
    assert "Safe replies at Riverside Forum" in english and "Glan yr Afon" not in english


def test_a_configuration_file_gives_a_languages_values_as_a_table(app, client, users, session, content_dir):
    """`[ORG.cy]` in config.toml (and `name.cy` as TOML reads a dotted name) are the Welsh pages' values."""
    from lms.content.org import flat_site_org, org_lines, org_problems, parse_org_lines

    assert flat_site_org({"name": "Forum", "cy": {"name": "Fforwm"}}) == {"name": "Forum", "name.cy": "Fforwm"}
    assert flat_site_org({"escalation_email": {"cy": "a@example.org"}}) == {"escalation_email.cy": "a@example.org"}
    assert org_problems({"name": "Forum", "cy": {"name": "Fforwm"}}) == []
    assert [str(p) for p in org_problems({"cy": {"Bad Name": "x"}})][0].startswith("'Bad Name.cy' is not a valid")
    # The admin page shows a configuration's table as the lines it saves, and reads them back the same.
    lines = org_lines({"name": "Forum", "cy": {"name": "Fforwm"}})
    assert lines == "name = Forum\nname.cy = Fforwm" and parse_org_lines(lines) == ({"name": "Forum",
                                                                                      "name.cy": "Fforwm"}, [])
    (content_dir / "courses" / "safe-replies" / "course.cy.md").write_text(WELSH_COURSE)
    app.config["ORG"] = {"name": "Riverside Forum", "cy": {"name": "Fforwm Glan yr Afon"}}
    _reload(app)
    _welsh_reader(users, session)
    assert "Croeso i Fforwm Glan yr Afon." in client.get("/courses/safe-replies").get_data(as_text=True)

