"""Certificates: issue, approve, revoke, re-issue, verify, list and bulk print.

An issued certificate is a frozen record plus the PDF rendered once from it;
nothing later (course edits, template, profile) changes either. Exactly one
certificate exists per completion: `Certificate.enrolment_id` is unique and the
insert relies on that constraint, so concurrent claims yield one row.
"""
from __future__ import annotations

import base64
import calendar
import dataclasses
import hashlib
import io
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO
from urllib.parse import unquote_plus

import pikepdf
from flask import current_app
from flask_babel import force_locale, format_number, gettext
from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.admin import audit
from lms.certificates.document import (
    TEMPLATE_REFUSED,
    Branding,
    current_branding,
    document_values,
    grouped_code,
    issue_languages,
    make_pdf,
)
from lms.certificates.models import Certificate
from lms.certificates.pdf import RenderError
from lms.certificates.validity import standing
from lms.cohorts.models import Cohort, CohortMember, CohortTrainer
from lms.content import Course
from lms.core import clock
from lms.core.db import DbSession, affected_rows, release_reads, write_transaction
from lms.core.models import utcnow
from lms.core.services import ServiceError
from lms.core.text import check_showable, unshowable
from lms.learning import progress
from lms.learning.models import Enrolment
from lms.mail import reminders

log = logging.getLogger(__name__)

CODE_BYTES = 20  # 160 bits, 32 base32 letters
_CODE = re.compile(r"[A-Z2-7]{32}")
NAME_MAX = 200
REASON_MAX = 500
BULK_CHUNK = 50
REPLACED_PREFIX = "Replaced by certificate "  # stored in English; shown in the reader's language
REVOKED_AT_REQUEST = "revoked at the holder's request"  # stored so (privacy.delete_account); shown translated


# -- codes and names ----------------------------------------------------------------

def new_code() -> str:
    """A random verification code, canonical form: 32 base32 letters, no padding."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=")


#: Digits a reader may type for the letters they resemble: codes have no 0, 1, 8 or 9 (base32).
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def normalise_code(raw: str | None) -> str | None:
    """The canonical code from what someone typed or pasted, or None.

    Any case, spaces and dashes; 0, 1 and 8 read as O, I and B; a "Code:" label, a full stop or quotes
    around it; or the whole verification address (the QR code's, the printed link, or the check form's
    `?code=`), from which the code is taken.
    """
    text = raw or ""
    pasted = re.search(r"/verify/([^/?#\s>›]+)", text) or re.search(r"[?&]code=([^&#\s>›]+)", text)
    if pasted:
        text = unquote_plus(pasted.group(1)).removesuffix(".json")
    # As copied from a page or an e-mail: "Code: ABCD-…", with a full stop or quotes around it.
    text = re.sub(r"^\s*(?:code|cod)\s*:", "", text, flags=re.IGNORECASE).strip(" \t.,;:'\"‘’“”‹›<>()[]")
    text = re.sub(r"[\s\-‐-―]+", "", text).upper().translate(_LOOKALIKES)
    return text if _CODE.fullmatch(text) else None


def clean_name(raw: str | None) -> str:
    """A legal name as printed: trimmed, single spaces, no control characters."""
    text = unicodedata.normalize("NFC", " ".join((raw or "").split()))
    if not text:
        raise ServiceError(gettext("Please enter your name as it should appear on the certificate."))
    if len(text) > NAME_MAX:
        raise ServiceError(gettext("That name is too long: at most %(count)s characters.",
                                   count=format_number(NAME_MAX)))
    if unshowable(text):
        raise ServiceError(gettext("That name contains characters that cannot be printed."))
    return text


def _clean_reason(raw: str | None) -> str:
    text = check_showable(" ".join((raw or "").split()), gettext("reason"))
    if not text:
        raise ServiceError(gettext("Please give a reason: it is shown on the verification page."))
    if len(text) > REASON_MAX:
        raise ServiceError(gettext("The reason is too long: at most %(count)s characters.",
                                   count=format_number(REASON_MAX)))
    return text


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def completion_facts(enrolment: Enrolment, course: Course) -> dict[str, Any]:
    """What the certificate of a completion states that the course could have changed since: as kept when it
    completed (`progress.completion_facts`), else (completed before they were kept) as the course says now."""
    return enrolment.completion_facts or progress.course_facts(course, [course.pass_mark])


def assessed_how(facts: Mapping[str, Any]) -> str:
    """How the completion was assessed (`completion_facts`), in words printed on the certificate (in the current
    language)."""
    if facts.get("pass_mark") is None:
        return gettext("Completion of all required steps")
    if facts.get("roleplay"):
        return gettext("Assessed: final assessment passed (pass mark %(mark)s%%) and role-play practice",
                       mark=facts["pass_mark"])
    return gettext("Assessed: final assessment passed (pass mark %(mark)s%%)", mark=facts["pass_mark"])


def _original_language() -> str:
    """The language the courses are written in (their originals), which the record's columns hold."""
    return str(current_app.config.get("CONTENT_LANGUAGE") or "en")


def localised_wording(course: Course, languages: Iterable[str], facts: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The certificate's words in each language, frozen into the record: the course's translation where it has one."""
    wording = {}
    for language in languages:
        version = course.localised(language)
        with force_locale(language):
            wording[language] = {
                "course_title": version.title,
                "certificate_title": version.certificate.title if version.certificate else "",
                "assessed_how": assessed_how(facts),
            }
    return wording


# -- issuing -------------------------------------------------------------------------

def claimable_enrolment(session: DbSession, user_id: int, course: Course) -> Enrolment | None:
    """The user's latest completed enrolment in a course that issues certificates."""
    if course.certificate is None:
        return None
    return session.scalar(
        select(Enrolment)
        .where(Enrolment.user_id == user_id, Enrolment.course_id == course.id, Enrolment.completed_at.is_not(None))
        .order_by(Enrolment.cycle.desc()).limit(1))


def certificate_for(session: DbSession, enrolment_id: int) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment_id))


def lapsed_on(enrolment: Enrolment, course: Course) -> date | None:
    """The last day a certificate of this completion would be valid, when that day is already past (None
    otherwise): an old completion claimed late would be issued expired, so it is not issued at all."""
    last_day = _valid_until(enrolment, course)
    return last_day if last_day is not None and last_day < clock.today() else None


def _valid_until(enrolment: Enrolment, course: Course) -> date | None:
    """The last valid day of a certificate of this completion; None when it never expires (or is not one)."""
    months = completion_facts(enrolment, course).get("valid_months")
    if course.certificate is None or not months or enrolment.completed_at is None:
        return None
    return add_months(clock.local_date(enrolment.completed_at), months)


def draft(user: User, enrolment: Enrolment, course: Course, holder_name: str, branding: Branding) -> Certificate:
    """The frozen record a claim would create (not added to any session): also the preview."""
    spec = course.certificate
    if spec is None or enrolment.completed_at is None:
        raise ServiceError(gettext("This course does not give a certificate yet."))
    completed_on = clock.local_date(enrolment.completed_at)
    languages = issue_languages(user.language)
    facts = completion_facts(enrolment, course)  # as completed, whatever changed in the course since
    with force_locale(_original_language()):  # the columns hold the original's words, whatever the page's language
        assessed = assessed_how(facts)
    return Certificate(
        enrolment_id=enrolment.id, user_id=user.id, status="pending",
        holder_name=clean_name(holder_name),
        course_id=course.id, course_title=course.title,
        course_version=enrolment.completed_version or course.version,
        certificate_title=spec.title, hours=facts.get("hours"), assessed_how=assessed,
        languages=",".join(languages), localised=localised_wording(course, languages, facts),
        signatory=spec.signatory or branding.default_signatory,
        issuer_name=branding.charity_name, issuer_number=branding.charity_number,
        completed_on=completed_on,
        valid_until=_valid_until(enrolment, course),
        requested_at=utcnow(),
    )


def _render(certificate: Certificate, branding: Branding) -> bytes:
    try:
        return make_pdf(document_values(certificate, branding))
    except RenderError as exc:
        log.exception("Could not render certificate %s", certificate.id)
        if str(exc) == TEMPLATE_REFUSED:  # waiting will not help: say who must fix what
            raise ServiceError(gettext("We could not make the certificate: "
                                       "the site’s certificate design has a problem. "
                                       "The site admin has been told; please try again later.")) from exc
        raise ServiceError(gettext("We could not make the certificate’s PDF just now. "
                                   "Please try again in a minute.")) from exc


def _seal(certificate: Certificate, branding: Branding, now: datetime) -> None:
    """Give a record its code, issue time and PDF: the moment it becomes a certificate."""
    certificate.code = new_code()
    certificate.issued_at = now
    certificate.status = "issued"
    certificate.pdf = _render(certificate, branding)
    certificate.pdf_sha256 = hashlib.sha256(certificate.pdf).hexdigest()


def issue(session: DbSession, user: User, enrolment: Enrolment, course: Course, holder_name: str,
          branding: Branding) -> Certificate:
    """Issue (or, with sign-off, request) the one certificate of a completion.

    The row, PDF included, is written by one INSERT: a crash leaves nothing
    half-issued. A concurrent claim for the same completion loses on the unique
    enrolment_id and gets the winner's certificate back.
    """
    if enrolment.user_id != user.id:
        raise ServiceError(gettext("This is not your enrolment."))
    existing = certificate_for(session, enrolment.id)
    if existing is not None:
        return existing
    if lapsed_on(enrolment, course) is not None:
        raise ServiceError(gettext("This completion is too old for a certificate: take the course again to get a "
                                   "current one."))
    certificate = draft(user, enrolment, course, holder_name, branding)
    if not course.certificate.sign_off:  # type: ignore[union-attr]
        release_reads(session)  # no lock held while the PDF renders
        _seal(certificate, branding, utcnow())
    try:
        with session.begin_nested():
            session.add(certificate)
    except IntegrityError:
        existing = certificate_for(session, enrolment.id)
        if existing is None:  # not the one-per-completion rule: a real fault
            raise
        return existing  # another claim won: its name is the one kept
    user.legal_name = certificate.holder_name  # asked once: prefilled next time
    audit.record(session, user, "certificate.requested" if certificate.status == "pending" else "certificate.issued",
                 target_user=user, target=certificate.course_id, certificate_id=certificate.id)
    reminders.queue_certificate_news(session, certificate)
    return certificate


def approve(session: DbSession, certificate: Certificate, actor: User, branding: Branding) -> Certificate:
    """A trainer's sign-off: the pending record gets its code and PDF. Never the holder's own: another decides."""
    if certificate.status != "pending":
        raise ServiceError(gettext("Only a certificate waiting for sign-off can be approved."))
    if decided_by_others(certificate, actor):
        raise ServiceError(gettext("You cannot sign off your own certificate: another trainer or an admin decides."))
    sealed = Certificate(**{column: getattr(certificate, column) for column in _RECORD_COLUMNS})
    release_reads(session)  # no lock held while the PDF renders
    _seal(sealed, branding, utcnow())
    # Conditional: two trainers approving at once give one code, not two.
    changed = affected_rows(session,
        update(Certificate).where(Certificate.id == certificate.id, Certificate.status == "pending")
        .values(status="issued", code=sealed.code, issued_at=sealed.issued_at, pdf=sealed.pdf,
                pdf_sha256=sealed.pdf_sha256, approved_by_id=actor.id, name_confirmed=True)
        .execution_options(synchronize_session=False))
    if changed != 1:
        raise ServiceError(gettext("Someone else has already decided on this certificate."))
    session.refresh(certificate)
    audit.record(session, actor, "certificate.approved", target_user=_holder(session, certificate),
                 target=certificate.course_id, certificate_id=certificate.id)
    reminders.queue_certificate_news(session, certificate)
    return certificate


def revoke(session: DbSession, certificate: Certificate, actor: User, reason: str) -> Certificate:
    """Revoke with a reason that the verification page shows; a pending one is refused (never issued). Never the
    holder's own: another decides."""
    if decided_by_others(certificate, actor):
        raise ServiceError(gettext("You cannot refuse or revoke your own certificate: another trainer or an admin "
                                   "decides."))
    reason = _clean_reason(reason)
    # Conditional, like approve and reissue: a decision taken meanwhile is never overwritten.
    changed = affected_rows(session,
        update(Certificate).where(Certificate.id == certificate.id, Certificate.status != "revoked")
        .values(status="revoked", revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False))
    if changed != 1:
        raise ServiceError(gettext("This certificate is already revoked."))
    was_pending = certificate.status == "pending"  # the row as read before the update: a request refused
    session.refresh(certificate)
    audit.record(session, actor, "certificate.refused" if was_pending else "certificate.revoked",
                 target_user=_holder(session, certificate),
                 target=certificate.course_id, certificate_id=certificate.id, reason=certificate.revoked_reason)
    reminders.queue_certificate_news(session, certificate)
    return certificate


_RECORD_COLUMNS = ("enrolment_id", "user_id", "holder_name", "course_id", "course_title", "course_version",
                   "certificate_title", "hours", "assessed_how", "signatory", "issuer_name", "issuer_number",
                   "completed_on", "valid_until", "requested_at", "approved_by_id", "languages", "localised")


def reissue(session: DbSession, certificate: Certificate, actor: User, holder_name: str,
            branding: Branding) -> Certificate:
    """A corrected copy (e.g. the name) as a new certificate; the old one is revoked."""
    if certificate.status != "issued":
        raise ServiceError(gettext("Only an issued certificate can be re-issued."))
    if decided_by_others(certificate, actor):
        raise ServiceError(gettext("You cannot re-issue your own certificate: another trainer or an admin does."))
    name = clean_name(holder_name)
    fresh = Certificate(**{column: getattr(certificate, column) for column in _RECORD_COLUMNS})
    fresh.holder_name, fresh.approved_by_id, fresh.name_confirmed = name, actor.id, True
    certificate_id = certificate.id
    release_reads(session)  # no lock held while the PDF renders
    _seal(fresh, branding, utcnow())
    # Conditional, and first: of two trainers re-issuing at once, one wins and the
    # other is told so. The completion moves to the new certificate (enrolment_id is unique).
    changed = affected_rows(session,
        update(Certificate).where(Certificate.id == certificate_id, Certificate.status == "issued")
        .values(status="revoked", revoked_at=utcnow(), enrolment_id=None)
        .execution_options(synchronize_session=False))
    if changed != 1:
        raise ServiceError(gettext("Someone else has already changed this certificate."))
    session.add(fresh)
    session.flush()
    session.execute(update(Certificate).where(Certificate.id == certificate.id)
                    .values(revoked_reason=f"{REPLACED_PREFIX}{grouped_code(fresh.code)}",
                            replaced_by_id=fresh.id)
                    .execution_options(synchronize_session=False))
    session.refresh(certificate)
    holder = _holder(session, certificate)
    if holder is not None:
        holder.legal_name = name
    audit.record(session, actor, "certificate.reissued", target_user=holder, target=certificate.course_id,
                 certificate_id=fresh.id, replaces=certificate.id)
    reminders.queue_certificate_news(session, fresh)
    return fresh


def ensure_pdf(session: DbSession, certificate: Certificate) -> bytes:
    """The stored PDF; rendered (with today's branding) and stored once if an issued record has none yet.

    The render runs with no transaction open, and the bytes are stored in a write transaction of
    their own (`write_transaction`): on SQLite a store that had to upgrade the request's read
    lock could be refused at once if another worker wrote during the render.
    """
    if certificate.pdf is None:
        if certificate.status != "issued":
            raise ServiceError(gettext("This certificate has not been issued."))
        branding = current_branding()
        release_reads(session)  # no lock held while the PDF renders
        pdf = _render(certificate, branding)
        with write_transaction(session):
            # Only the first writer stores its bytes; everyone then reads the same ones.
            session.execute(update(Certificate).where(Certificate.id == certificate.id, Certificate.pdf.is_(None))
                            .values(pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest())
                            .execution_options(synchronize_session=False))
        session.refresh(certificate, ["pdf", "pdf_sha256"])
    return certificate.pdf  # type: ignore[return-value]


#: Built once: composing a SELECT costs more than running it on this hot path.
_DOWNLOAD_ROW = (select(Certificate.user_id, Certificate.status, Certificate.course_id, Certificate.code,
                        Certificate.pdf)
                 .where(Certificate.id == bindparam("certificate_id")))


def download_row(session: DbSession, certificate_id: int):
    """What a download needs, stored PDF included, as one plain row (or None).

    "Download again" is the hot path: one query by primary key, no ORM object
    built, no catalogue or branding work.
    """
    # Core execution on the session's own connection: the ORM layer adds nothing for plain columns.
    return session.connection().execute(_DOWNLOAD_ROW, {"certificate_id": certificate_id}).first()


def _holder(session: DbSession, certificate: Certificate) -> User | None:
    return session.get(User, certificate.user_id) if certificate.user_id else None


# -- verification ---------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    """What the public may learn about a code: nothing else about the trainee."""

    state: str  # valid | expired | revoked
    code: str
    holder_name: str
    course_title: str
    certificate_title: str
    issued_on: date | None
    valid_until: date | None
    issuer_name: str
    issuer_number: str
    revoked_reason: str | None
    completed_on: date | None = None
    hours: float | None = None
    languages: tuple[str, ...] = ("en",)
    #: Whether a trainer or admin issued it with this name (a sign-off or a corrected copy), or the holder
    #: typed it and nobody at the organisation checked it.
    name_confirmed: bool = False
    #: The record itself, for the page to mark each title with the language it is written in; never in as_json.
    certificate: Certificate | None = field(default=None, repr=False, compare=False)

    def as_json(self) -> dict:
        return {
            "status": self.state, "code": grouped_code(self.code), "holder_name": self.holder_name or None,
            "course": self.course_title, "certificate": self.certificate_title,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "issuer": {"name": self.issuer_name, "charity_number": self.issuer_number},
            "revoked_reason": self.revoked_reason,
            "completed_on": self.completed_on.isoformat() if self.completed_on else None,
            "hours": self.hours,
            "languages": list(self.languages),
            "holder_name_confirmed": self.name_confirmed if self.holder_name else None,
        }


def verify(session: DbSession, raw_code: str, today: date, language: str | None = None) -> Verification | None:
    """What the verification page says about a code; None when unknown or pending.

    Titles are given in `language` (the visitor's) when the certificate was issued in it, else as the original.
    """
    code = normalise_code(raw_code)
    if code is None:
        return None
    cert = session.scalar(select(Certificate).where(Certificate.code == code))
    if cert is None or cert.issued_at is None:
        return None
    state = cert.state_on(today)
    if state == "pending":
        return None
    wording = cert.wording(language)
    return Verification(
        state=state, code=code, holder_name=cert.holder_name, course_title=wording["course_title"],
        certificate_title=wording["certificate_title"], issued_on=clock.local_date(cert.issued_at),
        valid_until=cert.valid_until, languages=tuple(cert.language_list),
        issuer_name=cert.issuer_name, issuer_number=cert.issuer_number,
        revoked_reason=_reason_shown(session, cert, today) if state == "revoked" else None,
        completed_on=cert.completed_on, hours=cert.hours, name_confirmed=cert.name_confirmed, certificate=cert,
    )


def _reason_shown(session: DbSession, cert: Certificate, today: date) -> str | None:
    """The revocation reason; a re-issue's own note in the reader's language (a trainer's words as written).

    A replaced certificate does not name its replacement: anyone holding the old copy would find the new
    one, and with it a changed name the holder may not want tied to the old one. It does say when the newest
    copy is no longer valid either, so that nobody is sent to ask for a current one that does not exist.
    """
    reason = cert.revoked_reason
    if reason == REVOKED_AT_REQUEST:
        return gettext("Revoked at the holder’s request.")
    if reason and cert.replaced_by_id and reason.startswith(REPLACED_PREFIX):
        newest = _newest_copy(session, cert)
        if newest.state_on(today) == "revoked":
            return gettext("Replaced by a newer certificate (a correction, such as the name), which has since been "
                           "revoked.")
        if newest.state_on(today) == "expired":
            return gettext("Replaced by a newer certificate (a correction, such as the name), which has since "
                           "expired.")
        return gettext("Replaced by a newer certificate (a correction, such as the name). Ask the holder for the "
                       "current one.")
    return reason


def _newest_copy(session: DbSession, cert: Certificate) -> Certificate:
    """The last of a certificate's corrected copies (each re-issue replaces the one before)."""
    seen = {cert.id}
    while cert.replaced_by_id is not None and cert.replaced_by_id not in seen:
        following = session.get(Certificate, cert.replaced_by_id)
        if following is None:
            break
        seen.add(following.id)
        cert = following
    return cert


# -- trainees ---------------------------------------------------------------------------

def refresher_due(certificate: Certificate, today: date) -> bool:
    """Issued, and within the refresher window of expiry or past it."""
    return certificate.status == "issued" and standing(certificate.valid_until, today) != "valid"


def trainee_panel(session: DbSession, user_id: int, courses: Mapping[str, Course]) -> dict:
    """What a trainee's certificates panel shows: their certificates, and completed courses to claim."""
    today = clock.today()
    mine = of_user(session, user_id)
    latest: dict[str, int] = {}  # each course's newest certificate: only its refusal or revocation needs a next step
    for c in mine:
        latest.setdefault(c.course_id, c.id)
    return {
        "certificates": [{"certificate": c, "code": grouped_code(c.code), "refresher_due": refresher_due(c, today),
                          "expired": standing(c.valid_until, today) == "expired",
                          "latest": latest.get(c.course_id) == c.id}
                         for c in mine],
        "unclaimed": unclaimed_courses(session, user_id, courses.values()),
    }


def of_user(session: DbSession, user_id: int) -> list[Certificate]:
    """A trainee's own certificates, newest first."""
    return list(session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                .order_by(Certificate.requested_at.desc(), Certificate.id.desc())))


def withdrawn(session: DbSession, user_id: int, course_id: str) -> Certificate | None:
    """The user's latest certificate for a course when it was refused or revoked (not replaced): what to explain."""
    latest = session.scalar(select(Certificate)
                            .where(Certificate.user_id == user_id, Certificate.course_id == course_id)
                            .order_by(Certificate.requested_at.desc(), Certificate.id.desc()).limit(1))
    if latest is None or latest.status != "revoked" or latest.replaced_by_id is not None:
        return None
    return latest


def unclaimed_courses(session: DbSession, user_id: int, courses: Iterable[Course]) -> list[Course]:
    """Courses with a certificate whose latest completion has none yet, and is recent enough for a current one
    (`lapsed_on`: an old completion is not offered a certificate that would be issued expired)."""
    result = []
    for course in courses:
        enrolment = claimable_enrolment(session, user_id, course)
        if (enrolment is not None and lapsed_on(enrolment, course) is None
                and certificate_for(session, enrolment.id) is None):
            result.append(course)
    return result


# -- trainers and admins ------------------------------------------------------------------

def _visible(viewer: User) -> Select:
    """Certificates the viewer may see: admins all; trainers their cohorts' trainees'."""
    query = select(Certificate)
    if not viewer.is_admin:
        members = (select(CohortMember.user_id)
                   .join(CohortTrainer, CohortTrainer.cohort_id == CohortMember.cohort_id)
                   .where(CohortTrainer.user_id == viewer.id))
        query = query.where(Certificate.user_id.in_(members))
    return query


def visible_certificate(session: DbSession, viewer: User, certificate_id: int) -> Certificate | None:
    """One certificate if the viewer may see it, else None (the view answers 404)."""
    return session.scalar(_visible(viewer).where(Certificate.id == certificate_id))


@dataclass(frozen=True)
class Holder:
    """Who a certificate is for, as a trainer knows them: display name and cohorts."""

    user_id: int
    display_name: str
    #: (id, name) of the holder's cohorts that the viewer supervises (every one for an admin).
    cohorts: tuple[tuple[int, str], ...]


def holders(session: DbSession, viewer: User, user_ids: Iterable[int | None]) -> dict[int, Holder]:
    """The holders of certificates the viewer may see, by user id; deleted accounts are absent."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
    query = (select(CohortMember.user_id, Cohort.id, Cohort.name)
             .join(Cohort, Cohort.id == CohortMember.cohort_id).where(CohortMember.user_id.in_(ids)))
    if not viewer.is_admin:
        query = query.where(Cohort.id.in_(select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == viewer.id)))
    cohorts: dict[int, list[tuple[int, str]]] = {}
    for user_id, cohort_id, name in session.execute(query.order_by(Cohort.name, Cohort.id)):
        cohorts.setdefault(user_id, []).append((cohort_id, name))
    return {user_id: Holder(user_id, name, tuple(cohorts.get(user_id, ()))) for user_id, name in names.items()}


@dataclass(frozen=True)
class Search:
    text: str = ""  # a name, or a code (any case/grouping)
    course_id: str = ""
    status: str = ""
    cohort_id: int | None = None
    date_from: date | None = None  # completion date, inclusive
    date_to: date | None = None
    not_of: int | None = None  # leave out this person's own (a trainer's, on their sign-off list)


def _filtered(viewer: User, criteria: Search) -> Select:
    query = _visible(viewer)
    if criteria.text:
        code = re.sub(r"[\s\-]+", "", criteria.text).upper()
        query = query.where(or_(func.lower(Certificate.holder_name).contains(criteria.text.lower(), autoescape=True),
                                Certificate.code.startswith(code, autoescape=True)))
    if criteria.course_id:
        query = query.where(Certificate.course_id == criteria.course_id)
    if criteria.status:
        query = query.where(Certificate.status == criteria.status)
    if criteria.cohort_id is not None:
        query = query.where(Certificate.user_id.in_(
            select(CohortMember.user_id).where(CohortMember.cohort_id == criteria.cohort_id)))
    if criteria.date_from:
        query = query.where(Certificate.completed_on >= criteria.date_from)
    if criteria.date_to:
        query = query.where(Certificate.completed_on <= criteria.date_to)
    if criteria.not_of is not None:
        query = query.where(Certificate.user_id != criteria.not_of)
    return query


def search(session: DbSession, viewer: User, criteria: Search, limit: int = 200) -> list[Certificate]:
    return list(session.scalars(_filtered(viewer, criteria)
                                .order_by(Certificate.requested_at.desc(), Certificate.id.desc()).limit(limit)))


def cohorts_of(session: DbSession, viewer: User) -> list[Cohort]:
    """Cohorts whose certificates the viewer may print: admins all, trainers their own."""
    query = select(Cohort).where(Cohort.archived_at.is_(None)).order_by(Cohort.name)
    if not viewer.is_admin:
        query = query.where(Cohort.id.in_(select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == viewer.id)))
    return list(session.scalars(query))


def pending(session: DbSession, viewer: User) -> list[Certificate]:
    """Certificates waiting for the viewer's sign-off: never the viewer's own (another decides on those)."""
    return search(session, viewer, Search(status="pending", not_of=viewer.id))


def decided_by_others(certificate: Certificate, viewer: User) -> bool:
    """The viewer's own certificate: another trainer or an admin signs it off, refuses, revokes or re-issues it."""
    return certificate.user_id == viewer.id


# -- bulk printing ----------------------------------------------------------------------------

def bulk_ids(session: DbSession, viewer: User, criteria: Search) -> list[int]:
    """Issued certificates still valid today to print, in name order (how a coordinator hands them out): an
    expired one printed in the pile would be handed out as if it still counted."""
    query = _filtered(viewer, dataclasses.replace(criteria, status="issued")).where(
        or_(Certificate.valid_until.is_(None), Certificate.valid_until >= clock.today()))
    return list(session.scalars(query.with_only_columns(Certificate.id)
                                .order_by(Certificate.holder_name, Certificate.id)))


def merge_pdfs(session: DbSession, ids: list[int], out: BinaryIO,
               progress: Callable[[int], None] | None = None) -> int:
    """Write the stored PDFs of `ids` as one document; never re-renders an issued one.

    qpdf (pikepdf) copies each stored page into the new document with its
    streams passed through untouched (no decompressing and recompressing), so a
    page costs a fraction of a millisecond. Rows are loaded a chunk at a time;
    the sources stay open until the document is written because qpdf reads
    their stream data only then. Returns the number of certificates written.
    """
    sources: list[pikepdf.Pdf] = []
    with pikepdf.new() as merged:
        try:
            for start in range(0, len(ids), BULK_CHUNK):
                chunk = ids[start:start + BULK_CHUNK]
                rows = dict(session.execute(select(Certificate.id, Certificate.pdf)
                                            .where(Certificate.id.in_(chunk))).all())
                for certificate_id in chunk:
                    pdf = rows[certificate_id]
                    if pdf is None:  # an issued record without its PDF yet: made once, then stored
                        pdf = ensure_pdf(session, session.get_one(Certificate, certificate_id))
                    source = pikepdf.open(io.BytesIO(pdf))
                    sources.append(source)
                    merged.pages.extend(source.pages)
                    if progress:
                        progress(1)
            merged.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none)
        finally:
            for source in sources:
                source.close()
    return len(ids)
