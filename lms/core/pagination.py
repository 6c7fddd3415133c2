"""Paged lists: one rule for which page numbers exist, for every list on the site."""
from __future__ import annotations

import math

from flask import request

from lms.core.models import MAX_INTEGER

#: The largest page number anyone can ask for: what an integer column can hold, so
#: no page number ever overflows an OFFSET (?page=184467440737095518 shows the last page).
MAX_PAGE = MAX_INTEGER  # a page number is stored nowhere, but one bound is simpler to reason about


def requested_page(page: int | None) -> int:
    """A page number from a link, clamped to 1..MAX_PAGE (past the end shows the last page)."""
    return min(max(1, page or 1), MAX_PAGE)


def page_bounds(total: int, page: int, size: int) -> tuple[int, int]:
    """(page clamped to 1..pages, number of pages)."""
    pages = max(1, math.ceil(total / size))
    return min(requested_page(page), pages), pages


def page_arg() -> int:
    """The ?page= of the current request's paged list, as a page number any list can be asked for."""
    return requested_page(request.args.get("page", 1, type=int))
