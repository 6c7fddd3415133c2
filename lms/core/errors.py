"""Friendly error pages, never a stack trace."""
from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms.core.db import db

MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: ("You do not have access to this page", "If you think you should, ask your trainer or the site admin."),
    404: ("We could not find that page", "It may have moved, or the link may be mistyped."),
    405: ("That is not how this page is used", "Please go back and use the buttons on the page."),
    413: ("That was too large", "Please send something smaller."),
    429: ("Too many requests", "Please wait a minute and try again."),
    500: ("Something went wrong on our side", "Your work so far is saved. Please try again in a moment."),
    503: ("The site is not available right now", "Please try again shortly."),
}

CSRF_REFUSED = "This form had expired or was sent from somewhere else. Please reload the page and try again."


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.path.endswith(".json")


def render_error(code: int, detail: str | None = None):
    title, hint = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if _wants_json():
        return jsonify(error=title, detail=detail or hint), code
    return render_template("error.html", code=code, title=title, hint=detail or hint), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return render_error(400, CSRF_REFUSED)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)
