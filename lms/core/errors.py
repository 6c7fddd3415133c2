"""Friendly error pages, never a stack trace.

A request that cannot reach the database (the server restarting, a connection
refused, SQLite's write lock still held when its busy timeout runs out) gets a
503 with `Retry-After` and a page that says the last action may not have been
saved: the request was cut short, so nobody can promise either way.
"""
import logging

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from lms.core import support as support_words
from lms.core.db import db
from lms.core.i18n import language_without_database
from lms.core.logs import route

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Something in that request was not right"), _l("Please go back and try again.")),
    403: (_l("You do not have access to this page"),
          _l("If you think you should, ask your trainer or the site admin.")),
    404: (_l("We could not find that page"), _l("It may have moved, or the link may be mistyped.")),
    405: (_l("That is not how this page is used"), _l("Please go back and use the buttons on the page.")),
    413: (_l("That was too large"), _l("Please send something smaller.")),
    429: (_l("Too many requests"), _l("Please wait a minute and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Please try again in a moment. "
             "If you had just sent a form, check whether it was saved before sending it again.")),
    503: (_l("The site is not available right now"), _l("Please try again shortly.")),
}

#: The page for a request that could not reach the database.
UNAVAILABLE_TITLE = _l("The service is briefly unavailable")
UNAVAILABLE_HINT = _l("We could not reach our database just now. This usually passes within a few seconds.")
UNAVAILABLE_SAVED = _l("Your last action may not have been saved: when the page comes back, check it "
                       "before doing it again.")

#: What "the database cannot be reached" looks like: a refused or dropped connection,
#: a server shutting down, SQLite's "database is locked" once the busy timeout runs
#: out (all OperationalError), a connection already closed (InterfaceError), or no
#: pooled connection free in time.
UNREACHABLE = (OperationalError, InterfaceError, PoolTimeoutError)

CSRF_REFUSED = _l("This form had expired or was sent from somewhere else. Please reload the page and try again.")

#: The free-text boxes a person writes in (reflections, responses, notes, comments, replies, reasons,
#: descriptions, the admin's support introduction and organisation details): what a refused form gives
#: back to copy. Never anything else (passwords, codes, ids).
WRITTEN_FIELDS = ("text", "note", "comment", "reason", "description", "SUPPORT_INTRO", "ORG")


def words_to_give_back() -> list[str]:
    """What the person wrote in a refused form, to show them so that nothing is lost; empty unless the form
    was sent from one of our own pages.

    Browsers say where a form came from (`Sec-Fetch-Site`, else `Origin`): words posted from another site
    are never shown on ours, or a page elsewhere could make this site display any text it liked.
    """
    fetched_from = request.headers.get("Sec-Fetch-Site")
    if fetched_from is not None:
        ours = fetched_from == "same-origin"
    else:
        ours = request.headers.get("Origin") == request.host_url.rstrip("/")
    if not ours:
        return []
    return [words for name in WRITTEN_FIELDS for words in request.form.getlist(name) if words.strip()]


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.path.endswith(".json")


def render_error(code: int, detail: str | None = None, kept: list[str] | None = None,
                 retry_after: str | None = None):
    """The error page for `code`; `kept`: words the person wrote, shown back to copy (never stored or cached);
    `retry_after`: seconds to wait, sent as `Retry-After` (a rate limit's 429)."""
    title, hint = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    headers = {"Retry-After": retry_after} if retry_after else {}
    if _wants_json():
        return jsonify(error=str(title), detail=str(detail or hint)), code, headers
    page = render_template("error.html", code=code, title=title, hint=detail or hint, kept=kept or [])
    return page, code, headers | ({"Cache-Control": "no-store"} if kept else {})


def render_unavailable():
    """The 503 for a request that could not reach the database; asks nothing of the database itself."""
    retry_after = int(current_app.config["UNAVAILABLE_RETRY_AFTER_SECONDS"])
    headers = {"Retry-After": str(retry_after), "Cache-Control": "no-store"}
    # The language is chosen without the database too (no account lookup).
    language = language_without_database()
    with force_locale(language):
        if _wants_json():
            return jsonify(error=str(UNAVAILABLE_TITLE), detail=f"{UNAVAILABLE_HINT} {UNAVAILABLE_SAVED}"), 503, headers
        # The template is rendered without the context processors: they read site
        # settings (and so the database) for every page.
        page = current_app.jinja_env.get_template("unavailable.html").render(
            title=UNAVAILABLE_TITLE, hint=UNAVAILABLE_HINT, saved=UNAVAILABLE_SAVED, language=language,
            retry_after=retry_after, site_name=current_app.config["SITE_NAME"],
            contacts=support_words.contacts())
    return page, 503, headers


def _rollback_quietly() -> None:
    """Roll back what the request began; with the database gone that may fail too, which changes nothing."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is already broken; the pool discards it
        log.debug("rollback after a database error failed", exc_info=True)


def init_app(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeoutError)
    def _database_unreachable(exc: Exception):
        _rollback_quietly()
        # One line, no stack: an outage produces many of these, and the cause is in the message.
        app.logger.warning("Database unavailable on %s %s: %s", request.method, route(),
                           str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return render_unavailable()

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return render_error(400, CSRF_REFUSED, kept=words_to_give_back())

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        retry_after = dict(exc.get_headers()).get("Retry-After")  # a rate limit says when to come back
        return render_error(exc.code or 500, retry_after=retry_after)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        _rollback_quietly()
        app.logger.exception("Unhandled error on %s %s", request.method, route())
        return render_error(500)
