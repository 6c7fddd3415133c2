"""Languages of the interface (Flask-Babel) and the choice of one for each request.

The language of a request, in order:
1. a signed-in person's account setting (`users.language`, asked at registration);
2. for a visitor, the language they chose with the switch (kept in their session),
   then the best match for their browser's Accept-Language;
3. the site's default, `LMS_DEFAULT_LANGUAGE`.
Only the site's languages (`LMS_LANGUAGES`, default "en,cy") are ever chosen.

Core knows no feature: the signed-in person is read through Flask-Login's
`current_user` and its `language` attribute, whatever model provides it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, force_locale, get_locale, get_translations, gettext, ngettext, refresh
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import NoInspectionAvailable

from lms.core.clock import local_zone
from lms.core.languages import parse_languages, terminal_language

SESSION_KEY = "language"


def language_problems(languages: object, default: object) -> list[str]:
    """What is wrong with LMS_LANGUAGES / LMS_DEFAULT_LANGUAGE (for config.validate)."""
    codes = parse_languages(languages)
    problems = []
    if not codes:
        problems.append("LMS_LANGUAGES must list at least one language code, like 'en,cy'.")
    for code in codes:
        try:
            Locale.parse(code, sep="-")
        except (UnknownLocaleError, ValueError):
            problems.append(f"LMS_LANGUAGES: '{code}' is not a language code Babel knows (like 'en' or 'cy').")
    if codes and str(default).strip().lower() not in codes:
        problems.append(f"LMS_DEFAULT_LANGUAGE {default!r} must be one of LMS_LANGUAGES ({', '.join(codes)}).")
    return problems


def site_languages() -> list[str]:
    return parse_languages(current_app.config["LANGUAGES"])


def default_language() -> str:
    return str(current_app.config["DEFAULT_LANGUAGE"]).strip().lower()


def allowed(code: str | None) -> str | None:
    """`code` if it is one of the site's languages, else None."""
    if not code:
        return None
    code = code.strip().replace("_", "-").lower()
    return code if code in site_languages() else None


def select_language() -> str:
    """The language of this request (see the module docstring)."""
    if not has_request_context():
        return default_language()
    if current_user and current_user.is_authenticated:
        return (allowed(getattr(current_user, "language", None)) or allowed(session.get(SESSION_KEY))
                or default_language())
    chosen = allowed(session.get(SESSION_KEY))
    if chosen:
        return chosen
    return request.accept_languages.best_match(site_languages()) or default_language()


def _loaded_attribute(obj: object, name: str) -> Any:
    """`obj.name` if it is already in memory, else None: never a query.

    A mapped object's attributes are expired when its session rolls back (a query failed
    because the database went away), and reading one then would ask that database again.
    """
    try:
        state = sa_inspect(obj)
    except NoInspectionAvailable:
        return getattr(obj, name, None)
    return state.dict.get(name)


def language_without_database() -> str:
    """The language of this request chosen without asking the database (for the page shown when it is down).

    The signed-in person's setting counts only if their record was already loaded by this request.
    """
    if not has_request_context():
        return default_language()
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        chosen = allowed(_loaded_attribute(user, "language"))
        if chosen:
            return chosen
    return (allowed(session.get(SESSION_KEY)) or request.accept_languages.best_match(site_languages())
            or default_language())


def cli_language() -> str:
    """The language of a command's output (`lms check`, `lms user ...`): the terminal's, else the site's default.

    The terminal's is the first of LANGUAGE ('cy:en'), LC_ALL, LC_MESSAGES and LANG that is set, as
    gettext reads them ('cy_GB.UTF-8' -> 'cy'), when it names one of the site's languages.
    """
    return terminal_language(site_languages(), default_language())


@contextmanager
def command_translations(language: str) -> Iterator[tuple[Callable[[str], str], Callable[[str, str, int], str]]]:
    """gettext and ngettext in `language` for a command that runs without the app (`lms check`, `import-twee`).

    A bare app with only Flask-Babel: no configuration to validate, no database. The functions return
    the catalogue's text unformatted (content messages fill their own {placeholders}).
    """
    app = Flask("lms")
    app.config.update(LANGUAGES=language, DEFAULT_LANGUAGE=language)
    init_app(app)
    with app.app_context(), force_locale(cli_language()):
        translations = get_translations()
        yield translations.gettext, translations.ngettext


def current_language() -> str:
    """The language code of this request, as written in lang attributes ('en', 'cy')."""
    locale = get_locale()
    return str(locale).replace("_", "-") if locale is not None else default_language()


@functools.lru_cache(maxsize=64)
def language_name(code: str) -> str:
    """The language's own name for itself: 'English', 'Cymraeg'."""
    try:
        name = Locale.parse(code, sep="-").get_display_name(Locale.parse(code, sep="-"))
    except (UnknownLocaleError, ValueError):
        return code
    return (name or code)[:1].upper() + (name or code)[1:]


def language_choices() -> list[tuple[str, str]]:
    """(code, own name) of every site language, in the configured order."""
    return [(code, language_name(code)) for code in site_languages()]


def language_options() -> list[tuple[str, str, str]]:
    """language_choices as the choices of a form's field, each name marked as written in its own language."""
    return [(code, name, code) for code, name in language_choices()]


#: The one way a date is written on every page, in every language: "3 March 2026", "3 Mawrth 2026".
#: A pattern, not Babel's "long" format, which is "March 3, 2026" in plain English.
DATE_PATTERN = "d MMMM y"


def _local(value: datetime) -> datetime:
    """A stored moment in the charity's timezone (a naive one is taken as UTC, as the database stores it)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(local_zone())


def long_date(value: date | datetime | str | None) -> str:
    """A date written out for the reader's language ('3 March 2026', '3 Mawrth 2026'); a moment by its local day.

    Also takes an ISO date string ('2026-03-03'), as queued e-mails carry dates as JSON;
    anything else that is not a date gives "" (the caller's fallback then shows).
    Outside an app (a rule tested on its own) it is written in English.
    """
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return ""
    if not isinstance(value, date):
        return ""
    if not has_app_context():
        day = value.date() if isinstance(value, datetime) else value
        return f"{day.day} {day:%B %Y}"
    if isinstance(value, datetime):
        value = _local(value).date()
    return _written_day(value, str(get_locale() or "en"))


@functools.lru_cache(maxsize=8192)
def _written_day(day: date, locale: str) -> str:
    """A day in DATE_PATTERN for a locale, kept: a progress page writes hundreds of dates, many the same,
    and Babel's formatting (Flask-Babel's, with its context lookups) cost about 0.1 ms each."""
    return babel_dates.format_date(day, DATE_PATTERN, locale=locale)


def date_and_time(value: datetime | None) -> str:
    """A moment as '3 March 2026 at 14:05', in the charity's timezone (24-hour clock)."""
    if value is None:
        return ""
    local = _local(value)
    return gettext("%(date)s at %(time)s", date=long_date(local.date()), time=local.strftime("%H:%M"))


def about_duration(minutes: int | None) -> str:
    """How long something takes, as people say it: 'about 40 minutes', 'about 1 hour', 'about 2½ hours'.

    Under an hour in minutes; from an hour, in hours to the nearest half (153 minutes is about 2½ hours).
    """
    if not minutes or minutes < 1:
        return ""
    if minutes < 60:
        return ngettext("about %(num)d minute", "about %(num)d minutes", minutes)
    halves = (minutes + 15) // 30  # to the nearest half hour, a quarter past rounding up
    whole, half = divmod(halves, 2)
    hours = f"{whole}½" if half else str(whole)
    return ngettext("about %(hours)s hour", "about %(hours)s hours", whole + half, hours=hours)


def content_language(unit: object, part: str | None = None) -> str:
    """The language a course, module, step or scenario is shown in: its translation's, else the originals'.

    `part`: one part of a course's, module's, step's or scenario's own text ('title', 'summary', 'intro',
    'content_notes', 'certificate'; a step's 'title', 'content_notes'; a scenario's 'title', 'summary', 'topic',
    'content_notes'); a translation may leave it in the original (its `original_parts`, FORMAT.md 8).
    """
    language = getattr(unit, "language", None)
    if part is not None and part in getattr(unit, "original_parts", ()):
        language = None
    if language:
        return language
    # Outside an app (a report built by a script or a test) the originals are in the configuration's default.
    return str((current_app.config if has_app_context() else {}).get("CONTENT_LANGUAGE") or "en")


def untranslated(unit: object, part: str | None = None) -> bool:
    """True when the reader's language differs from the text shown: the one-line notice is due."""
    return content_language(unit, part) != current_language()


class _PageWords:
    """The translations of one rendering, looked up from Flask-Babel on first use.

    Flask-Babel finds the translations afresh for every `_()` (its request context, the domain,
    the locale: a dozen context-local reads); a page says 20 or more things. Looked up once per
    `render_template`, they are the same ones, as the locale cannot change during a rendering
    (a `force_locale` block renders its own templates, each with its own lookup).
    """

    __slots__ = ("words",)

    def __init__(self) -> None:
        self.words: Any = None

    def get(self) -> Any:
        if self.words is None:
            self.words = get_translations()
        return self.words


_WORDS = "_lms_page_words"


def _words(context: Context) -> Any:
    holder = context.get(_WORDS)
    return holder.get() if holder is not None else get_translations()


def _formatted(context: Context, text: str, variables: dict[str, Any]) -> str:
    # Always a format string, as Jinja's newstyle gettext; Markup escapes the values when autoescaping.
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


@pass_context
def _template_gettext(context: Context, string: str, **variables: Any) -> str:
    """`_()` and `gettext()` in templates: as Jinja's newstyle gettext, with the rendering's translations."""
    return _formatted(context, _words(context).ugettext(string), variables)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _formatted(context, _words(context).ungettext(singular, plural, num), variables)


def _template_globals() -> dict[str, Any]:
    return {"current_language": current_language, "language_choices": language_choices, _WORDS: _PageWords()}


def init_app(app: Flask, translation_dirs: Sequence[str] = ("translations",)) -> None:
    """Install Flask-Babel with our locale selector; `long_date` filter; the switch's data for templates."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(translation_dirs))
    app.config["BABEL_DEFAULT_LOCALE"] = default_language_of(app)
    Babel(app, locale_selector=select_language)
    # Flask-Babel installed Jinja's newstyle gettext (newstyle_gettext stays on, for {% trans %});
    # these are the same functions, reading the rendering's translations once (_PageWords).
    app.jinja_env.globals.update(gettext=_template_gettext, _=_template_gettext, ngettext=_template_ngettext)
    # Globals, not context: macros imported without context (a title in its language) use them too.
    app.jinja_env.globals.update(content_language=content_language, untranslated=untranslated)
    app.context_processor(_template_globals)
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(date_and_time, "date_and_time")
    app.add_template_filter(about_duration, "about_duration")
    app.before_request(take_the_links_language)


def take_the_links_language() -> None:
    """A link's `lang` (an e-mail written in Welsh, an invitation in the language its sender chose) becomes the
    visitor's language on any page it opens, the login page a signed-out reader is sent to included, unless
    they have chosen one themselves. A signed-in person's account language wins anyway (select_language)."""
    if request.method != "GET" or "lang" not in request.args:
        return
    asked = allowed(request.args.get("lang"))
    if asked and not allowed(session.get(SESSION_KEY)):
        session[SESSION_KEY] = asked
        refresh()  # Flask-Babel may have chosen already


def default_language_of(app: Flask) -> str:
    return str(app.config.get("DEFAULT_LANGUAGE") or "en").strip().lower()
