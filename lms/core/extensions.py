"""Extension singletons, bound to the app in `create_app`."""
from flask_babel import gettext
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from lms.core.db import db

login_manager = LoginManager()
login_manager.login_view = "auth.login"
def N_(text: str) -> str:  # noqa: N802 - marks a message for the catalogue; localize_callback translates it
    return text


login_manager.login_message = N_("Please log in to see that page.")
login_manager.localize_callback = gettext  # flashed in the visitor's language
login_manager.login_message_category = "info"
# "basic", not "strong": phone users change networks, and must not be logged out for it.
login_manager.session_protection = "basic"

csrf = CSRFProtect()

__all__ = ["csrf", "db", "login_manager"]
