"""One counter for changes no single person's version can describe (settings, cohorts...)."""
from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from lms.models.base import Base

#: The id of the one row.
SITE_VERSION_ID = 1


class SiteVersion(Base):
    __tablename__ = "site_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
