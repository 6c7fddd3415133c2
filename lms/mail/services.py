"""Email for features: queue a message, compose it, deliver it; each person's reminder choices.

For other features (trainer coaching, certificates ...): call `enqueue_email` inside the
transaction of the change that calls for the message. It returns at once; a worker renders
and sends it (`lms worker`), retrying with backoff. See docs/mail-and-jobs.md.
"""
from __future__ import annotations

import email.policy
import smtplib
import ssl
import sys
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from lms.accounts.models import User
from lms.core import i18n, settings
from lms.core.db import DbSession, release_reads
from lms.core.models import utcnow
from lms.core.services import ServiceError
from lms.jobs import queue
from lms.jobs.models import Job
from lms.mail.models import ReminderPreference

#: Reminder categories a person can turn off: column of ReminderPreference -> what the account page says.
CATEGORIES: dict[str, str] = {  # lazy: each reader (page or email) sees them in their own language
    "due_dates": _l("Due dates: a week before, the day before, and when a course is overdue"),
    "refreshers": _l("Certificate refreshers: 60, 30 and 7 days before a certificate expires, and when it does"),
    "nudges": _l("Reminders a trainer sends you from their progress table"),
    "sign_offs": _l("Certificates waiting for your sign-off"),
    "coach_marks": _l("When a trainer marks one of your written responses"),
    "coach_comments": _l("When a trainer comments on one of your role-plays"),
    "coach_confirmations": _l("When a trainer confirms a step of your training"),
    "coach_replies": _l("When a trainee replies to one of your comments"),
    "contact_requests": _l("When a trainee in your cohorts asks you to get in touch"),
}
#: Categories only trainers are offered (so their labels need not say "trainers": nobody else sees them).
TRAINER_CATEGORIES = frozenset({"sign_offs", "coach_replies", "contact_requests"})
EMAIL_JOB = "email"
UNSUBSCRIBE_SALT = "lms.mail.unsubscribe"


# -- queueing ----------------------------------------------------------------------------

def enqueue_email(session: DbSession, template: str, context: dict, *, to_user: User | None = None,
                  to_email: str | None = None, category: str | None = None,
                  run_at: datetime | None = None, language: str | None = None) -> Job:
    """Queue an email in the caller's transaction; a worker sends it once the transaction commits.

    `template` names `mail/<template>.txt` (first line "Subject: ...", then the text) and
    `mail/<template>.html` in any feature's templates folder. `context` must be JSON
    (strings, numbers, lists, dicts): it is stored in the jobs table until the message is
    sent, so never put private text (reflections, check-ins) or secrets other than a link in it.
    `category` (a key of CATEGORIES) makes it a reminder: it is skipped if the person has
    turned that category off, and carries a one-click unsubscribe link.
    Either `to_user` (preferred: their current address is used at sending time) or `to_email`.
    The message is written when it is sent, in the language the person has recorded then
    (`users.language`); `language` is for an address with no account (an invitation: the
    language the inviter chose), else the site's default (LMS_DEFAULT_LANGUAGE).
    """
    return queue.enqueue(session, EMAIL_JOB, email_payload(template, context,
                                                           to_user_id=to_user.id if to_user else None,
                                                           to_email=to_email, category=category, language=language),
                         run_at=run_at)


def email_payload(template: str, context: dict, *, to_user_id: int | None = None, to_email: str | None = None,
                  category: str | None = None, language: str | None = None) -> dict:
    """The payload of an email job (also used by the reminder sweep's bulk INSERT)."""
    if (to_user_id is None) == (to_email is None):
        raise ValueError("Give exactly one of to_user and to_email.")
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"Unknown reminder category {category!r}.")
    payload: dict = {"template": template, "context": context, "category": category}
    if language:
        payload["language"] = language
    if to_user_id is not None:
        payload["to_user_id"] = to_user_id
    else:
        payload["to_email"] = to_email
    return payload


# -- preferences and unsubscribing ------------------------------------------------------------

def preferences(session: DbSession, user_id: int) -> dict[str, bool]:
    """{category: wanted} for a person (everything, until they change it)."""
    row = session.get(ReminderPreference, user_id)
    return {name: (getattr(row, name) if row is not None else True) for name in CATEGORIES}


def wants(session: DbSession, user_id: int, category: str) -> bool:
    return preferences(session, user_id)[category]


def set_preferences(session: DbSession, user: User, wanted: dict[str, bool]) -> None:
    """Save a person's choices (categories not given keep their value)."""
    unknown = set(wanted) - set(CATEGORIES)
    if unknown:
        raise ServiceError(gettext("That is not a kind of reminder this site sends."))
    row = session.get(ReminderPreference, user.id)
    if row is None:
        row = ReminderPreference(user_id=user.id, **dict.fromkeys(CATEGORIES, True))
        session.add(row)
    for name, value in wanted.items():
        setattr(row, name, bool(value))
    row.updated_at = utcnow()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, category: str) -> str:
    """A signed token naming a person and a category; it does not expire (old emails keep working)."""
    return _serializer().dumps({"u": user_id, "c": category})


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, category) from a token, or None if it was not made here."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or data.get("c") not in CATEGORIES:
        return None
    return data["u"], data["c"]


def unsubscribe(session: DbSession, token: str) -> tuple[User, str]:
    """Turn off the token's category for its person; (user, category). ServiceError for a bad token."""
    found = read_unsubscribe_token(token)
    user = session.get(User, found[0]) if found else None
    if found is None or user is None:
        raise ServiceError(gettext("This unsubscribe link is not valid. "
                                   "You can choose your reminders on your account page."))
    set_preferences(session, user, {found[1]: False})
    return user, found[1]


# -- composing and delivering ------------------------------------------------------------------

def sender_address() -> str:
    """The From header: MAIL_SENDER, named after the charity unless it names itself."""
    name, address = parseaddr(current_app.config["MAIL_SENDER"])
    return formataddr((name or f"{settings.get('CHARITY_NAME')} training", address))


def external_url_builder(base: str, language: str | None = None) -> Callable[..., str]:
    """`url_for` for emails: absolute links to `base` (PUBLIC_BASE_URL), with no request needed.

    A worker has no request; pushing a pretend one would run the request teardown, which
    ends the worker's database session in the middle of its job. With `language` other than the
    site's default, each link carries it (`?lang=`), so a reader who is signed out meets the login
    page in the e-mail's language (i18n.take_the_links_language).
    """
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https")
    carried = {"lang": language} if language and language != i18n.default_language() else {}

    def url_for(endpoint: str, _external: bool = True, **values: object) -> str:
        return adapter.build(endpoint, {**carried, **values}, force_external=True)

    return url_for


def email_language(user: User | None, asked: str | None = None) -> str:
    """The language to write to someone in: their recorded one, else `asked` (an invitation's), else the site's."""
    return (i18n.allowed(user.language if user is not None else None) or i18n.allowed(asked)
            or i18n.default_language())


def compose(template: str, context: dict, to_address: str, *, to_user: User | None = None,
            category: str | None = None, now: datetime | None = None, language: str | None = None) -> EmailMessage:
    """Render a message (plain text and HTML) for one recipient, in their language; links use PUBLIC_BASE_URL.

    Subject and body are written under `force_locale(language)` (default: `email_language`), so
    every `_()` of the templates, dates and category labels are in the recipient's language.
    """
    with force_locale(language or email_language(to_user)):
        return _compose(template, context, to_address, to_user=to_user, category=category, now=now)


def _compose(template: str, context: dict, to_address: str, *, to_user: User | None,
             category: str | None, now: datetime | None) -> EmailMessage:
    app = current_app
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    link = external_url_builder(base, i18n.current_language())
    unsubscribe_url = (link("mail.unsubscribe", token=unsubscribe_token(to_user.id, category))
                       if to_user is not None and category else None)
    common = {
        "charity": settings.get("CHARITY_NAME"), "site_name": settings.get("SITE_NAME"),
        "recipient_name": to_user.display_name if to_user else None, "base_url": base,
        "unsubscribe_url": unsubscribe_url, "category_label": CATEGORIES.get(category or ""),
        "preferences_url": link("mail.preferences"),
        "url_for": link,  # every link in an email is absolute, to PUBLIC_BASE_URL
        "language": i18n.current_language(),  # the message's: a link for someone with no account carries it
    }
    context = localised_context(context, i18n.current_language())
    text = render_template(f"mail/{template}.txt", **context, **common)
    html = render_template(f"mail/{template}.html", **context, **common)
    first, _, body = text.lstrip().partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"mail/{template}.txt must start with a 'Subject:' line.")
    # Long lines allowed (RFC 5322: 998): a folded or encoded List-Unsubscribe URL is one mail programs cannot use.
    message = EmailMessage(policy=email.policy.default.clone(max_line_length=998))
    message["Subject"] = " ".join(first[len("Subject:"):].split())
    message["From"] = sender_address()
    message["To"] = formataddr((to_user.display_name, to_address)) if to_user else to_address
    message["Date"] = format_datetime(now or utcnow())
    message["Message-ID"] = make_msgid(domain=parseaddr(app.config["MAIL_SENDER"])[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        # RFC 8058: mail programs offer "Unsubscribe" and POST to the link themselves.
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body.lstrip("\n"))
    message.add_alternative(html, subtype="html")
    return message


def localised_context(context: dict, language: str) -> dict:
    """The message's values with titles in `language` where known, the queued ones otherwise.

    A course named by `course_id` (and each of `courses`, a nudge's) takes its title from the
    catalogue's translation into `language`, if it has one; `titles` ({language: {key: text}}, a certificate's
    frozen titles in each language it was issued in) overrides keys for that language.
    """
    from lms.catalog.services import catalog  # the catalogue is loaded by then; mail imports no feature at start-up

    found = catalog().localised(language)

    def translated_title(course_id: object) -> str | None:
        course = found.course(str(course_id)) if course_id else None
        return course.title if course is not None and getattr(course, "language", None) == language else None

    result = dict(context)
    if "course_title" in context and (title := translated_title(context.get("course_id"))):
        result["course_title"] = title
    if isinstance(context.get("courses"), list):
        result["courses"] = [{**c, "title": translated_title(c.get("id")) or c.get("title")}
                             if isinstance(c, dict) else c
                             for c in context["courses"]]
    titles = context.get("titles")
    if isinstance(titles, dict) and isinstance(titles.get(language), dict):
        result.update({key: value for key, value in titles[language].items() if isinstance(value, str)})
    return result


def tls_context() -> ssl.SSLContext:
    """TLS for the SMTP server: the certificate and host name are always checked, against
    MAIL_CA_FILE's authorities when it is set, else the system's."""
    return ssl.create_default_context(cafile=current_app.config.get("MAIL_CA_FILE") or None)


def readable(message: EmailMessage) -> str:
    """The message as its reader sees it: the main headers, then the plain-text part decoded
    (a developer reading the console wants the words and links, not base64)."""
    headers = [f"{name}: {message[name]}" for name in ("From", "To", "Subject") if message[name]]
    plain = message.get_body(preferencelist=("plain",))
    text = plain.get_content() if plain is not None else ""
    return "\n".join(headers) + "\n\n" + str(text).rstrip() + "\n"


def deliver(message: EmailMessage) -> None:
    """Hand a message to the configured backend: print it (console) or send it over SMTP."""
    config = current_app.config
    if config["MAIL_BACKEND"] == "console":
        out = sys.stdout
        out.write(f"\n----- email (console mode: not sent) -----\n{readable(message)}\n----- end of email -----\n")
        out.flush()
        return
    security, timeout = config["MAIL_SECURITY"], config["MAIL_TIMEOUT_SECONDS"]
    smtp: smtplib.SMTP
    if security == "ssl":
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout, context=tls_context())
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    with smtp:
        if security == "starttls":
            smtp.starttls(context=tls_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


#: Template -> whether a queued message of it is still true for (person, context) when it is sent.
_STILL_TRUE: dict[str, Callable[[DbSession, int, dict], bool]] = {}


def still_true(*templates: str) -> Callable[[Callable[[DbSession, int, dict], bool]], Callable[..., bool]]:
    """Register a check that a queued message of these templates still says something true when it is sent:
    a message may wait in the queue for hours (a mail server down), and meanwhile the course it is about may
    have been finished, taken off the cohort or given another due date."""
    def register(check: Callable[[DbSession, int, dict], bool]) -> Callable[..., bool]:
        for template in templates:
            _STILL_TRUE[template] = check
        return check
    return register


@queue.handler(EMAIL_JOB)
def send_email_job(session: DbSession, payload: dict) -> None:
    """Run an email job: skip it if its person has gone, turned its category off or its news is no longer true
    (`still_true`), else compose and deliver."""
    category = payload.get("category")
    user = None
    if payload.get("to_user_id") is not None:
        user = session.get(User, payload["to_user_id"])
        if user is None or not user.active:
            return  # the account was deleted or deactivated since: nothing to send
        if category and not wants(session, user.id, category):
            return
        check = _STILL_TRUE.get(payload["template"])
        if check is not None and not check(session, user.id, payload.get("context") or {}):
            return
    address = user.email if user is not None else payload["to_email"]
    message = compose(payload["template"], payload.get("context") or {}, address, to_user=user, category=category,
                      language=email_language(user, payload.get("language")))
    # SMTP can take seconds: hold no database lock meanwhile (SQLite has one for the whole file).
    release_reads(session)
    deliver(message)


def pending_email_count(session: DbSession) -> int:
    """Email jobs still queued (for the operator and tests)."""
    from sqlalchemy import func

    from lms.jobs.models import QUEUED

    return session.scalar(select(func.count()).select_from(Job).where(Job.kind == EMAIL_JOB, Job.status == QUEUED)) or 0
