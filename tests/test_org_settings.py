"""Organisation variables from the site (FORMAT.md 7.5): configuration, the admin page, the content page."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lms import create_app
from lms.core.config import ConfigError
from tests.conftest import ROOT, _config, csrf_token

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
    assert "is not a valid variable name" in bad.get_data(as_text=True)

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
