"""Database models: one entity per module, all imported here for Alembic."""
from lms.models.audit import AuditEntry
from lms.models.base import Base, utcnow
from lms.models.certificate import Certificate
from lms.models.checkin import WellbeingCheckin
from lms.models.cohort import Cohort, CohortCourse, CohortMember, CohortTrainer
from lms.models.enrolment import Enrolment
from lms.models.invite import Invite
from lms.models.login_attempt import LoginAttempt
from lms.models.progress import AssessmentAttempt, QuestionAnswer, StepProgress
from lms.models.reflection import ReflectionEntry
from lms.models.reporting import ENROLMENTS_REPORT_INDEX
from lms.models.run import RunChoice, ScenarioRun
from lms.models.setting import SiteSetting
from lms.models.site_version import SITE_VERSION_ID, SiteVersion
from lms.models.user import ROLES, User

__all__ = [
    "AssessmentAttempt", "AuditEntry", "Base", "Certificate", "Cohort", "CohortCourse", "CohortMember",
    "CohortTrainer", "ENROLMENTS_REPORT_INDEX", "Enrolment", "Invite", "LoginAttempt", "QuestionAnswer", "ROLES",
    "ReflectionEntry", "RunChoice", "SITE_VERSION_ID", "ScenarioRun", "SiteSetting", "SiteVersion", "StepProgress", "User", "WellbeingCheckin", "utcnow",
]
