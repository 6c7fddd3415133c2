"""Accounts: the login manager's user loader lives here."""
from flask import Flask


def init_app(app: Flask) -> None:
    from lms.accounts.services import load_user_from_cookie
    from lms.core.extensions import db, login_manager

    @login_manager.user_loader
    def _load_user(cookie_id: str):
        return load_user_from_cookie(db.session, cookie_id)
