"""Database models: one entity per module, all imported here for Alembic."""
from .audit import AuditEntry
from .base import Base, utcnow
from .certificate import Certificate
from .checkin import WellbeingCheckin
from .cohort import Cohort, CohortCourse, CohortMember, CohortTrainer
from .enrolment import Enrolment
from .invite import Invite
from .login_attempt import LoginAttempt
from .progress import AssessmentAttempt, QuestionAnswer, StepProgress
from .reflection import ReflectionEntry
from .reporting import ENROLMENTS_REPORT_INDEX
from .run import RunChoice, ScenarioRun
from .setting import SiteSetting
from .site_version import SITE_VERSION_ID, SiteVersion
from .user import ROLES, User

__all__ = [
    "AssessmentAttempt", "AuditEntry", "Base", "Certificate", "Cohort", "CohortCourse", "CohortMember",
    "CohortTrainer", "ENROLMENTS_REPORT_INDEX", "Enrolment", "Invite", "LoginAttempt", "QuestionAnswer", "ROLES",
    "ReflectionEntry", "RunChoice", "SITE_VERSION_ID", "ScenarioRun", "SiteSetting", "SiteVersion", "StepProgress", "User", "WellbeingCheckin", "utcnow",
]
