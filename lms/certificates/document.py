"""The certificate document: plain values -> HTML (sealed Jinja) -> PDF bytes.

A certificate is printed in the language(s) frozen in its record (`languages`): its
wording is made here with gettext under `force_locale` of each language in turn, so
the template gets one `side` of plain strings per language (`sides`, in print order),
and the first side's values at the top level as well (a charity's template written
for one language keeps working).

Templates get a dict of plain strings, never database objects, and are rendered
by a sandboxed Jinja environment of their own that always autoescapes and knows
nothing of the app (no `url_for`, no `config`). The sandbox refuses attribute
paths into Python's internals (`''.__class__.__mro__`...), so a charity's
template can only print values; one that tries more is refused with
`TEMPLATE_REFUSED`, and no certificate is made from it.
"""
from __future__ import annotations

import base64
import mimetypes
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2
import jinja2.sandbox
from flask import Flask, current_app
from flask_babel import force_locale, gettext, ngettext

from lms.certificates.pdf import ASSETS_DIR, RenderError, render_pdf
from lms.certificates.qrcode import qr_data_url
from lms.core import clock, i18n, settings

DEFAULT_TEMPLATE = "certificate.html"
DEFAULT_LOGO = ASSETS_DIR / "logo.svg"
DISCLAIMER = "This certificate confirms completion of training. It is not a clinical qualification."
#: A bilingual certificate: Welsh first, as the Welsh Language Standards ask of a bilingual document.
BILINGUAL = ("cy", "en")
PAGE_SIZES = {"a4": "A4 landscape", "letter": "letter landscape"}
RENDER_TIMEOUT = 20.0  # seconds; a certificate takes well under one
_EXTENSION_KEY = "lms_certificates"
TEMPLATE_REFUSED = ("The certificate template could not be used: it tried to reach something other than the "
                    "certificate's values, or has a mistake. Fix the file named by LMS_CERTIFICATE_TEMPLATE.")


@dataclass(frozen=True)
class Branding:
    """What the charity configures: read at render time, frozen into each PDF."""

    charity_name: str
    charity_number: str
    default_signatory: str
    public_base_url: str
    colour: str
    page_size: str
    logo_data_url: str


def format_date(day: date | None) -> str:
    """'1 March 2027' (unambiguous in every English-speaking country), '1 Mawrth 2027': in the current language."""
    return i18n.long_date(day) if day else ""


def format_hours(hours: float | None) -> str:
    """'2 hours', '2 awr': in the current language."""
    if hours is None:
        return ""
    text = f"{hours:g}"
    return ngettext("%(hours)s hour", "%(hours)s hours", 1 if text == "1" else 2, hours=text)


def issue_languages(holder_language: str | None) -> list[str]:
    """The language(s) a certificate is issued in now: bilingual when the admin setting says so, else the holder's."""
    site = i18n.site_languages()
    if settings.get("CERTIFICATE_LANGUAGES") == "bilingual" and all(code in site for code in BILINGUAL):
        return list(BILINGUAL)
    return [i18n.allowed(holder_language) or i18n.default_language()]


def grouped_code(code: str | None) -> str:
    """ABCD-EFGH-…: easier to read out and type than 32 letters in a row."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4)) if code else ""


def verify_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{code}"


# -- start-up --------------------------------------------------------------------

def init_app(app: Flask) -> None:
    """Read the logo once and build the sealed template environment."""
    logo_path = Path(app.config.get("CERTIFICATE_LOGO") or DEFAULT_LOGO)
    if not logo_path.is_file():
        raise RuntimeError(f"LMS_CERTIFICATE_LOGO {logo_path} is not a file; give the path of a PNG or SVG logo.")
    mimetype = mimetypes.guess_type(logo_path.name)[0] or "application/octet-stream"
    logo = f"data:{mimetype};base64,{base64.b64encode(logo_path.read_bytes()).decode()}"
    # An SVG logo drawn in the default colour follows the configured colour (see _logo_in).
    svg = logo_path.read_text("utf-8", errors="replace") if mimetype == "image/svg+xml" else None

    override = app.config.get("CERTIFICATE_TEMPLATE") or ""
    folders = [str(Path(__file__).resolve().parent / "templates")]
    name = DEFAULT_TEMPLATE
    if override:
        path = Path(override)
        if not path.is_file():
            raise RuntimeError(f"LMS_CERTIFICATE_TEMPLATE {path} is not a file; give the path of an HTML template.")
        folders.insert(0, str(path.resolve().parent))
        name = path.name
    environment = jinja2.sandbox.SandboxedEnvironment(loader=jinja2.FileSystemLoader(folders), autoescape=True,
                                                      undefined=jinja2.StrictUndefined)
    app.extensions[_EXTENSION_KEY] = {"logo": logo, "svg": svg, "environment": environment, "template": name,
                                      "logos": {}}


def _state() -> dict:
    return current_app.extensions[_EXTENSION_KEY]


def current_branding() -> Branding:
    """The branding as configured now (admin settings over configuration)."""
    colour = str(settings.get("CERTIFICATE_PRIMARY_COLOUR") or "")
    size = str(current_app.config.get("CERTIFICATE_PAGE_SIZE") or "A4").lower()
    return Branding(
        charity_name=str(settings.get("CHARITY_NAME") or ""),
        charity_number=str(settings.get("CHARITY_NUMBER") or ""),
        default_signatory=str(settings.get("CERTIFICATE_SIGNATORY") or ""),
        public_base_url=str(current_app.config["PUBLIC_BASE_URL"]),
        # Checked here as well as in the admin form: the value lands in CSS.
        colour=colour if settings.is_colour(colour) else DEFAULT_COLOUR,
        page_size=PAGE_SIZES.get(size, PAGE_SIZES["a4"]),
        logo_data_url=_logo_in(colour if settings.is_colour(colour) else DEFAULT_COLOUR),
    )


DEFAULT_COLOUR = "#1d4f91"


def _logo_in(colour: str) -> str:
    """The logo as a data: URL; an SVG one with the default colour recoloured to `colour` (kept per colour)."""
    state = _state()
    svg = state["svg"]
    if svg is None or DEFAULT_COLOUR not in svg.lower():
        return state["logo"]
    made = state["logos"]
    if colour not in made:
        recoloured = re.sub(re.escape(DEFAULT_COLOUR), colour, svg, flags=re.IGNORECASE)
        made[colour] = f"data:image/svg+xml;base64,{base64.b64encode(recoloured.encode()).decode()}"
    return made[colour]


# -- rendering --------------------------------------------------------------------

def render_html(values: dict[str, str]) -> str:
    """The certificate's HTML from plain values (also used for the claim preview)."""
    state = _state()
    try:
        return state["environment"].get_template(state["template"]).render(**values)
    except jinja2.TemplateError as exc:  # SecurityError from the sandbox included
        current_app.logger.error("Certificate template %s refused: %s", state["template"], exc)
        raise RenderError(TEMPLATE_REFUSED) from exc


def make_pdf(values: dict[str, str], *, url_fetcher=None) -> bytes:
    """Render a certificate to PDF (sealed; see lms.certificates.pdf)."""
    kwargs = {"url_fetcher": url_fetcher} if url_fetcher else {}
    return render_pdf(render_html(values), timeout=RENDER_TIMEOUT, **kwargs)


def side_values(record, language: str) -> dict:
    """The wording of one language's side: titles as issued in it, dates, hours and labels (under force_locale)."""
    found = (getattr(record, "localised", None) or {}).get(language) or {}
    wording = {key: str(found.get(key) or getattr(record, key) or "")
               for key in ("course_title", "certificate_title", "assessed_how")}
    with force_locale(language):
        return {
            "lang": language,
            "course_title": wording["course_title"],
            "certificate_title": wording["certificate_title"],
            "assessed_how": wording["assessed_how"],
            "hours": format_hours(record.hours),
            "completed_on": format_date(record.completed_on),
            "issued_on": format_date(clock.local_date(record.issued_at) if record.issued_at else None),
            "valid_until": format_date(record.valid_until),
            "disclaimer": gettext("This certificate confirms completion of training. "
                                  "It is not a clinical qualification."),
            "labels": {
                "kicker": gettext("CERTIFICATE OF COMPLETION"),
                "certifies": gettext("This certifies that"),
                "completed_course": gettext("completed the training course “%(course)s”",
                                            course=wording["course_title"]),
                "completed": gettext("COMPLETED"),
                "learning_time": gettext("LEARNING TIME"),
                "issued": gettext("ISSUED"),
                "valid_until": gettext("VALID UNTIL"),
                "registered_charity": gettext("Registered charity %(number)s", number=record.issuer_number)
                if record.issuer_number else "",
                "check_at": gettext("Check this certificate at"),
                "code": gettext("Code"),
            },
        }


def document_values(record, branding: Branding) -> dict:
    """Plain strings for the template from a frozen record (a Certificate or alike), in its language(s)."""
    code = record.code or ""
    link = verify_url(branding.public_base_url, code) if code else ""
    languages = [code for code in (getattr(record, "languages", None) or "en").split(",") if code] or ["en"]
    sides = [side_values(record, language) for language in languages]
    first = sides[0]
    return {
        "holder_name": record.holder_name,
        "course_title": first["course_title"],
        "course_version": record.course_version,
        "certificate_title": first["certificate_title"],
        "hours": first["hours"],
        "completed_on": first["completed_on"],
        "issued_on": first["issued_on"],
        "valid_until": first["valid_until"],
        "assessed_how": first["assessed_how"],
        "signatory": record.signatory,
        "issuer_name": record.issuer_name,
        "issuer_number": record.issuer_number,
        "code": grouped_code(code),
        "verify_url": link,
        "verify_short": re.sub(r"^https?://", "", link),
        "qr_data_url": qr_data_url(link) if link else "",
        "logo_data_url": branding.logo_data_url,
        "colour": branding.colour,
        "page_size": branding.page_size,
        "disclaimer": first["disclaimer"],
        "lang": first["lang"],
        "labels": first["labels"],
        "sides": sides,
        "bilingual": len(sides) > 1,
    }
