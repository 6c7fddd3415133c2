"""An issued certificate: a frozen record plus the PDF made once at issue."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, LargeBinary, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, deferred, mapped_column

from lms.certificates.validity import standing
from lms.core.models import Base, UTCDateTime, partial_index, utcnow

STATUSES = ("pending", "issued", "revoked")


#: A trainer's pages count the certificates waiting for their sign-off on every view: of a site's
#: hundreds of thousands of certificates a handful are pending, and this index holds only those.
PENDING = "status = 'pending'"
#: A cohort's status filters read its members' issued certificates of a few courses: by course, then
#: holder and validity, so PostgreSQL reads those courses' entries from this index alone.
ISSUED = "status = 'issued'"


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (partial_index("ix_certificates_pending_user", "user_id", where=PENDING),
                      partial_index("ix_certificates_issued_course", "course_id", "user_id", "valid_until",
                                    where=ISSUED))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, at least 128 bits; None until issued (a pending sign-off has none).
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    # Exactly one certificate per completion, enforced by the database.
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id", ondelete="SET NULL"), unique=True)
    # Kept NULL after account deletion: the issued record stays verifiable.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")

    # -- the frozen record ----------------------------------------------------
    holder_name: Mapped[str] = mapped_column(String(200))
    course_id: Mapped[str] = mapped_column(String(100), index=True)
    course_title: Mapped[str] = mapped_column(String(300))
    course_version: Mapped[str] = mapped_column(String(64))
    certificate_title: Mapped[str] = mapped_column(String(300))
    hours: Mapped[float | None] = mapped_column(Float)
    assessed_how: Mapped[str] = mapped_column(Text, default="")
    signatory: Mapped[str] = mapped_column(String(300), default="")
    issuer_name: Mapped[str] = mapped_column(String(300))
    issuer_number: Mapped[str] = mapped_column(String(100), default="")
    completed_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[date | None] = mapped_column(Date)
    # The language(s) it is printed in, in print order: "cy", or "cy,en" side by side (a bilingual certificate).
    languages: Mapped[str] = mapped_column(String(40), default="en", server_default="en")
    # Its wording in each of those languages, frozen at issue: {"cy": {"course_title": …, "certificate_title": …,
    # "assessed_how": …}}; a language missing here prints the columns above (the original's words).
    localised: Mapped[dict | None] = mapped_column(JSON)

    # -- life cycle -----------------------------------------------------------
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Whether a trainer or admin issued it with this name before them (a sign-off or a corrected copy); without
    # one, the name is as the holder typed it. Its own column: approved_by_id goes when that account does.
    name_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"))

    # The PDF, made once at issue; deferred so lists never load it.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))

    @property
    def language_list(self) -> list[str]:
        """The languages it was issued in, in print order."""
        return [code for code in (self.languages or "en").split(",") if code] or ["en"]

    def wording(self, language: str | None) -> dict[str, str]:
        """course_title, certificate_title and assessed_how as issued in `language` (the original's if not)."""
        found = (self.localised or {}).get(language or "") or {}
        return {key: str(found.get(key) or getattr(self, key) or "")
                for key in ("course_title", "certificate_title", "assessed_how")}

    def wording_language(self, language: str, key: str, original: str) -> str:
        """The language `wording(language)[key]` is written in: `language` where the certificate was issued with
        words of its own in it, else `original` (the records' columns, as a course not translated kept them)."""
        own = ((self.localised or {}).get(language) or {}).get(key)
        return language if own and own != getattr(self, key) else original

    def shown_state(self, today: date) -> str:
        """What staff pages' badge says: "refused" for a request refused before it was issued, else state_on's."""
        if self.status == "revoked" and self.issued_at is None:
            return "refused"
        return self.state_on(today)

    def state_on(self, today: date) -> str:
        """valid, expired, revoked or pending, as the verification page says it."""
        if self.status == "revoked":
            return "revoked"
        if self.status != "issued":
            return "pending"
        return "expired" if standing(self.valid_until, today) == "expired" else "valid"
