"""Database models: one entity per module, all imported here for Alembic."""
from .base import Base, utcnow
from .invite import Invite
from .login_attempt import LoginAttempt
from .user import ROLES, User

__all__ = ["Base", "Invite", "LoginAttempt", "ROLES", "User", "utcnow"]
