"""One certificate status rule: its SQL form and its Python form agree on every boundary date."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.certificates import validity
from lms.certificates.models import Certificate
from lms.cohorts import reports
from tests.factories import TODAY, certify, join, make_cohort, quick_user

HORIZON = validity.refresher_horizon(TODAY)
#: Every date where the standing changes, and each side of it; None is "never expires".
BOUNDARIES = {
    "never": None,
    "yesterday": TODAY - timedelta(days=1),
    "today": TODAY,
    "tomorrow": TODAY + timedelta(days=1),
    "horizon-1": HORIZON - timedelta(days=1),
    "horizon": HORIZON,
    "horizon+1": HORIZON + timedelta(days=1),
}


def test_python_rule_at_the_boundaries():
    standings = {name: validity.standing(day, TODAY) for name, day in BOUNDARIES.items()}
    assert standings == {
        "never": "valid", "yesterday": "expired", "today": "refresher_due", "tomorrow": "refresher_due",
        "horizon-1": "refresher_due", "horizon": "refresher_due", "horizon+1": "valid",
    }


@pytest.fixture
def certificates(session, users):
    trainer = users.create(role="trainer")
    cohort = make_cohort(session, trainer)
    made = {}
    for name, day in BOUNDARIES.items():
        member = quick_user(session, name)
        join(session, cohort, member)
        made[name] = certify(session, member, valid_until=day)
    return cohort, made


def test_sql_rule_agrees_with_python_at_every_boundary(session, certificates):
    _cohort, made = certificates
    not_expired = set(session.scalars(select(Certificate.id).where(validity.not_expired_sql(Certificate.valid_until,
                                                                                            TODAY))))
    valid = set(session.scalars(select(Certificate.id).where(validity.valid_sql(Certificate.valid_until, TODAY))))
    for name, certificate in made.items():
        python = validity.standing(certificate.valid_until, TODAY)
        assert (certificate.id in not_expired) == (python != "expired"), name
        assert (certificate.id in valid) == (python == "valid"), name


def test_progress_table_filters_agree_with_its_cells(app, session, certificates):
    """The status filter (SQL) finds exactly the members whose cell (Python) shows that status."""
    cohort, made = certificates
    catalog = app.extensions["lms_catalog"].catalog
    cells = {row.name: row.cells[0].status
             for row in reports.progress_table(session, cohort, catalog, reports.Query(), TODAY).rows}
    expected = {"valid": "certificate", "refresher_due": "refresher_due", "expired": "expired"}
    assert cells == {name: expected[validity.standing(c.valid_until, TODAY)] for name, c in made.items()}
    for status in reports.STATUSES:
        found = {row.name for row in
                 reports.progress_table(session, cohort, catalog, reports.Query(status=status), TODAY).rows}
        assert found == {name for name, cell in cells.items() if cell == status}, status


def test_verification_and_the_trainee_panel_use_the_same_rule(session, certificates):
    _cohort, made = certificates
    from lms.certificates import services

    for name, certificate in made.items():
        standing = validity.standing(certificate.valid_until, TODAY)
        assert certificate.state_on(TODAY) == ("expired" if standing == "expired" else "valid"), name
        assert services.refresher_due(certificate, TODAY) == (standing != "valid"), name
