"""UK GDPR: a person downloads all their data and deletes their account.

The completeness test reads the schema: every table with a foreign key to
users.id must be planted here, show up in the export, and be emptied of the
user's rows by deletion (columns declared ON DELETE SET NULL excepted, which
keep the issued certificate and the audit trail).
"""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import or_, select

from lms.accounts.models import LoginAttempt, RecoveryCode, SecondFactor, User
from lms.admin import audit
from lms.admin.models import AuditEntry
from lms.certificates.models import Certificate
from lms.coaching.models import ContactRequest, RunComment
from lms.cohorts import services as cohorts
from lms.cohorts.models import CohortTrainer
from lms.core.models import Base, SiteSetting, utcnow
from lms.learning.models import (
    AssessmentAttempt,
    AssessmentDraw,
    QuestionAnswer,
    ResponseDraft,
    ResponseEntry,
    StepConfirmation,
)
from lms.mail.models import ReminderPreference, SentReminder
from lms.privacy import services as privacy
from tests.conftest import PASSWORD
from tests.factories import (
    SECRET_CHECKIN,
    SECRET_REFLECTION,
    TODAY,
    assert_completed_steps_exact,
    certify,
    enrol,
    join,
    make_cohort,
    play,
    post,
    private_notes,
)


def _tables_referring_to_users() -> dict[str, list]:
    """{table name: [foreign key columns to users.id]}, from the schema itself."""
    found: dict[str, list] = {}
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "users":
                found.setdefault(table.name, []).append(fk.parent)
    return found


def _plant_everything(session, users):
    """A trainee (who is also a trainer, to touch every table) with a row in every table about users."""
    person = users.create(role="trainer", email="person@example.org", display_name="Pat Person")
    other = users.create(role="trainer", email="other@example.org", display_name="Other Trainer")
    cohort = make_cohort(session, other, name="Their cohort")
    join(session, cohort, person, joined_at=utcnow())
    own_cohort = make_cohort(session, person, name="Pat's cohort")  # cohorts, cohort_trainers, audit (actor)
    cohorts.create_invite(session, person, own_cohort, reusable=True)  # invites.created_by_id
    enrolment = enrol(session, person, steps=("welcome",), completed=True)  # enrolments, step_progress
    session.add(QuestionAnswer(enrolment_id=enrolment.id, step_id="welcome", question_id="q-reflect",
                               selected=[1], correct=True, tries=1))
    session.add(AssessmentAttempt(enrolment_id=enrolment.id, step_id="assessment", number=1, answers={},
                                  results={}, score_percent=100, pass_mark=50, passed=True))
    session.add(AssessmentDraw(enrolment_id=enrolment.id, step_id="assessment", number=2, question_ids=["a-one"]))
    session.add(ResponseEntry(user_id=person.id, enrolment_id=enrolment.id, course_id="listening", step_id="welcome",
                              response_id="welcome-r1", text="My response", reviewer_id=other.id))
    session.add(ResponseDraft(user_id=person.id, enrolment_id=enrolment.id, response_id="welcome-r2",
                              text="Words not sent yet"))
    session.add(StepConfirmation(enrolment_id=enrolment.id, step_id="welcome", confirmed_by_id=other.id))
    session.commit()
    run = play(session, person, [("start", 0, 2, False)])  # scenario_runs, run_choices
    private_notes(session, person)  # reflection_entries, wellbeing_checkins
    # run_comments: a trainer's comment on their run (theirs through the run), and one they wrote as a trainer.
    session.add(RunComment(run_id=run.id, author_id=other.id, author_name="Other Trainer", text="On your run",
                           reply_text="My reply"))
    others_run = play(session, other, [("start", 0, 2, False)])
    session.add(RunComment(run_id=others_run.id, author_id=person.id, author_name="Pat Person", text="I wrote this"))
    session.add(ContactRequest(user_id=person.id, note_for_trainer="Please call", followed_up_by_id=other.id))
    issued = certify(session, person, enrolment=enrolment, valid_until=TODAY + timedelta(days=300), code="issued-1")
    certify(session, person, course_id="advanced", status="pending")
    approved = certify(session, other, course_id="advanced", code="other-1")
    approved.approved_by_id = person.id  # certificates.approved_by_id
    session.add(SiteSetting(key="SITE_NAME", value="Theirs", updated_by_id=person.id))  # site_settings
    audit.record(session, other, "user.set_role", target_user=person, role="trainer")  # audit_log (target)
    session.add(LoginAttempt(key="email:person@example.org"))
    session.add(SentReminder(user_id=person.id, subject="listening", kind="due_7", on_date=TODAY))
    session.add(ReminderPreference(user_id=person.id, due_dates=False, refreshers=True, nudges=True, sign_offs=True))
    # A second factor being set up (a confirmed one would ask the test's login for a code) and a recovery code.
    session.add(SecondFactor(user_id=person.id, secret="JBSWY3DPEHPK3PXP"))
    session.add(RecoveryCode(user_id=person.id, code_hash="0" * 64))
    session.commit()
    planted = {"cohort_courses", "sent_reminders", "reminder_preferences","audit_log", "certificates", "cohort_members",
               "cohort_trainers", "cohorts", "enrolments",
               "invites", "reflection_entries", "scenario_runs", "site_settings", "wellbeing_checkins",
               "step_progress", "question_answers", "assessment_attempts", "run_choices", "assessment_draws",
               "response_entries", "step_confirmations", "run_comments", "contact_requests",
               "second_factors", "recovery_codes", "response_drafts"}
    return person, other, issued, approved, planted


def test_every_table_about_users_is_exported_and_cleaned_by_deletion(client, session, users):
    person, other, issued, approved, planted = _plant_everything(session, users)
    referring = _tables_referring_to_users()
    # A new table that refers to users must be planted above (and so exported and deleted).
    assert set(referring) <= planted, f"not covered by the privacy test: {set(referring) - planted}"
    assert set(referring) <= privacy.user_tables()

    users.login(person)
    response = client.get("/account/data/download")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    data = json.loads(response.get_data(as_text=True))
    for table in planted:
        assert data["tables"].get(table), f"{table} is missing from the export"
    assert data["profile"]["email"] == "person@example.org" and "password_hash" not in data["profile"]
    assert "session_token" not in data["profile"]
    assert [r["text"] for r in data["tables"]["reflection_entries"]] == [SECRET_REFLECTION]
    assert [r["note"] for r in data["tables"]["wellbeing_checkins"]] == [SECRET_CHECKIN]
    assert [r["text"] for r in data["tables"]["response_drafts"]] == ["Words not sent yet"]
    assert {c["name"] for c in data["cohorts"]} == {"Their cohort"}
    assert all("pdf" not in c for c in data["tables"]["certificates"])
    assert all("token_hash" not in i for i in data["tables"]["invites"])
    # Secrets stay out of the file: the authenticator key and the recovery codes' hashes.
    assert "secret" not in data["tables"]["second_factors"][0] and "JBSWY3DP" not in json.dumps(data)
    assert "code_hash" not in data["tables"]["recovery_codes"][0]
    assert {c["text"] for c in data["tables"]["run_comments"]} == {"On your run", "I wrote this"}
    assert [r["note_for_trainer"] for r in data["tables"]["contact_requests"]] == ["Please call"]
    # Someone else's certificate that they approved is not "their data".
    assert "other-1" not in {c["code"] for c in data["tables"]["certificates"]}

    form = {"password": PASSWORD, "confirm": "y"}
    assert post(client, "/account/delete", form, form_page="/account/data").status_code == 302
    session.expire_all()
    assert session.get(User, person.id) is None
    assert_completed_steps_exact(session)  # the other trainees' lists of completed steps are untouched
    for table_name, columns in referring.items():
        table = Base.metadata.tables[table_name]
        left = session.execute(select(table).where(or_(*(c == person.id for c in columns)))).all()
        assert not left, f"{table_name} still holds rows of the deleted user"
    for table_name in planted - set(referring):  # cascaded children
        assert not data["tables"][table_name] or not session.execute(
            select(Base.metadata.tables[table_name]).where(
                Base.metadata.tables[table_name].c.id.in_([r["id"] for r in data["tables"][table_name]]))).all(), \
            table_name
    assert session.scalar(select(LoginAttempt).where(LoginAttempt.key == "email:person@example.org")) is None

    # The issued certificate stays verifiable as issued, without the account.
    kept = session.get(Certificate, issued.id)
    assert (kept.status, kept.user_id, kept.holder_name, kept.code) == ("issued", None, "Pat Person", "issued-1")
    assert kept.state_on(TODAY) == "valid"
    assert session.scalar(select(Certificate).where(Certificate.status == "pending")) is None
    assert session.get(Certificate, approved.id).approved_by_id is None
    # The audit trail keeps names, not links; the deletion itself names nobody.
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "user.set_role")).target_user_id is None
    deletion = session.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete"))
    assert "Pat" not in deletion.target and deletion.actor_id is None
    # A comment they wrote on someone else's run stays for that trainee, without their name or the link.
    kept_comment = session.scalar(select(RunComment).where(RunComment.text == "I wrote this"))
    assert (kept_comment.author_id, kept_comment.author_name) == (None, "")
    assert session.scalar(select(RunComment).where(RunComment.text == "On your run")) is None
    assert session.scalar(select(ContactRequest)) is None
    # Their cohort lives on for its other trainer; they are logged out.
    assert session.scalar(select(CohortTrainer).where(CohortTrainer.user_id == other.id)) is not None
    assert client.get("/home").status_code == 302


def test_deletion_can_revoke_certificates_at_the_holders_request(client, session, users):
    person = users.create(display_name="Revoker")
    issued = certify(session, person, valid_until=None, code="rev-1")
    users.login(person)
    form = {"password": PASSWORD, "confirm": "y", "revoke": "y"}
    response = post(client, "/account/delete", form, form_page="/account/data", follow_redirects=True)
    assert "1 certificate was revoked" in response.get_data(as_text=True)
    kept = session.get(Certificate, issued.id)
    session.refresh(kept)
    assert (kept.status, kept.revoked_reason, kept.user_id) == ("revoked", "revoked at the holder's request", None)
    assert kept.revoked_at is not None


def test_deletion_is_said_in_the_persons_language_and_verify_translates_the_reason(client, session, users):
    person = users.create(display_name="Alys")
    session.get(User, person.id).language = "cy"
    session.commit()
    issued = certify(session, person, valid_until=None, code="REVOKEDATREQUESTAAAAAAAAAAAAAAAA")
    users.login(person)
    form = {"password": PASSWORD, "confirm": "y", "revoke": "y"}
    page = post(client, "/account/delete", form, form_page="/account/data", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert '<html lang="cy">' in html and "Your account" not in html and "wedi’u dileu" in html
    verify = client.get(f"/verify/{issued.code}").get_data(as_text=True)
    assert "Wedi’i dirymu ar gais y deiliad." in verify and "revoked at the holder" not in verify


def test_deletion_needs_the_password_and_the_confirmation(client, session, users):
    person = users.create(display_name="Careful")
    users.login(person)
    wrong = post(client, "/account/delete", {"password": "not it at all", "confirm": "y"}, form_page="/account/data")
    assert wrong.status_code == 400 and "password is not right" in wrong.get_data(as_text=True)
    unconfirmed = post(client, "/account/delete", {"password": PASSWORD}, form_page="/account/data")
    assert unconfirmed.status_code == 400 and "Tick this box" in unconfirmed.get_data(as_text=True)
    assert session.get(User, person.id) is not None
    assert client.get("/home").status_code == 200


def test_the_only_admin_cannot_delete_their_account(client, session, users):
    admin = users.create(role="admin")
    users.login(admin)
    response = post(client, "/account/delete", {"password": PASSWORD, "confirm": "y"}, form_page="/account/data")
    assert response.status_code == 400 and "only admin" in response.get_data(as_text=True)
    assert session.get(User, admin.id) is not None


def test_export_is_only_ever_your_own(client, session, users):
    mine, theirs = users.create(display_name="Me"), users.create(display_name="Them")
    private_notes(session, theirs)
    users.login(mine)
    body = client.get("/account/data/download").get_data(as_text=True)
    assert SECRET_REFLECTION not in body and "Them" not in body
    assert "Download my data" in client.get("/account/data").get_data(as_text=True)
