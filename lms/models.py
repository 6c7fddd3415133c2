"""Every database model, imported here for Alembic and for tests; features import their own models."""
from lms.accounts.models import ROLES, LoginAttempt, RecoveryCode, SecondFactor, User
from lms.admin.models import AuditEntry
from lms.certificates.models import Certificate
from lms.coaching.models import ContactRequest, RunComment
from lms.cohorts.models import ENROLMENTS_REPORT_INDEX, Cohort, CohortCourse, CohortMember, CohortTrainer, Invite
from lms.core.models import Base, SiteSetting, utcnow
from lms.jobs.models import Job
from lms.learning.models import (
    AssessmentAttempt,
    AssessmentDraw,
    Enrolment,
    QuestionAnswer,
    ReflectionEntry,
    ResponseEntry,
    StepConfirmation,
    StepProgress,
)
from lms.mail.models import ReminderPreference, SentReminder
from lms.roleplay.models import RunChoice, ScenarioRun, WellbeingCheckin

__all__ = [
    "AssessmentAttempt", "AssessmentDraw", "AuditEntry", "Base", "Certificate", "Cohort", "CohortCourse",
    "CohortMember", "CohortTrainer", "ContactRequest", "ENROLMENTS_REPORT_INDEX", "Enrolment", "Invite", "Job",
    "LoginAttempt", "QuestionAnswer", "ROLES", "RecoveryCode", "ReflectionEntry", "ReminderPreference", "ResponseEntry",
    "RunChoice", "RunComment", "ScenarioRun", "SecondFactor", "SentReminder", "SiteSetting",
    "StepConfirmation", "StepProgress", "User", "WellbeingCheckin", "utcnow",
]
