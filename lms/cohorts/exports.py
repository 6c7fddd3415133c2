"""CSV exports of cohort progress and certificates, safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import select

from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, CohortMember
from lms.cohorts.reports import Query, columns_for, progress_table
from lms.content import Catalog
from lms.core import clock
from lms.core.db import DbSession

#: A cell starting with one of these is run as a formula by Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The value as text, defused with a leading quote if a spreadsheet would run it."""
    text = "" if value is None else value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def progress_csv(session: DbSession, cohort: Cohort, catalog: Catalog, query: Query, today: date) -> str:
    """Every member (filters and sort as on the page), one status and percent column per course."""
    table = progress_table(session, cohort, catalog, query, today, page_size=None)
    header: list[str] = ["Name", "Last active"]
    for column in table.columns:
        header += [f"{column.title}: status", f"{column.title}: %", f"{column.title}: due"]
    rows = []
    for row in table.rows:
        line: list[Any] = [row.name, clock.local_date(row.last_active) if row.last_active else ""]
        for cell in row.cells:
            line += [cell.label, cell.percent, cell.due_on or ""]
        rows.append(line)
    return to_csv(header, rows)


def certificates_csv(session: DbSession, cohort: Cohort, catalog: Catalog, verify_url: Callable[[str], str]) -> str:
    """Certificates of the cohort's members for its assigned courses (issued and revoked)."""
    course_ids = [c.course_id for c in columns_for(session, cohort, catalog)]
    certificates = session.execute(
        select(Certificate, User.display_name).join(User, User.id == Certificate.user_id)
        .join(CohortMember, (CohortMember.user_id == User.id) & (CohortMember.cohort_id == cohort.id))
        .where(Certificate.course_id.in_(course_ids or [""]), Certificate.status.in_(("issued", "revoked")))
        .order_by(User.display_name, Certificate.course_id, Certificate.issued_at))
    today = clock.today()
    return to_csv(
        ["Display name", "Name on certificate", "Course", "Certificate", "Status", "Completed", "Issued",
         "Valid until", "Code", "Verify at"],
        [[name, cert.holder_name, cert.course_title, cert.certificate_title, cert.state_on(today),
          cert.completed_on, clock.local_date(cert.issued_at) if cert.issued_at else "", cert.valid_until or "",
          cert.code or "", verify_url(cert.code) if cert.code else ""]
         for cert, name in certificates])
