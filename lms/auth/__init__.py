"""Accounts: the login manager's user loader lives here."""
from flask import Flask


def init_app(app: Flask) -> None:
    from lms.extensions import db, login_manager
    from lms.services.accounts import load_user_from_cookie

    @login_manager.user_loader
    def _load_user(cookie_id: str):
        return load_user_from_cookie(db.session, cookie_id)
