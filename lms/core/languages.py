"""Language codes without the web stack: what `lms check` needs to pick its language before any Flask import."""

from __future__ import annotations

import os
from collections.abc import Sequence


def parse_languages(value: object) -> list[str]:
    """'en,cy' or ['en', 'cy'] -> ['en', 'cy'] (normalised, no duplicates, order kept)."""
    items = value.split(",") if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else []
    seen: list[str] = []
    for item in items:
        code = str(item).strip().replace("_", "-").lower()
        if code and code not in seen:
            seen.append(code)
    return seen


def terminal_language(languages: Sequence[str], default: str) -> str:
    """The terminal's language when it is one of `languages`, else `default`.

    The terminal's is read as Python's gettext reads it (and so click's own words in --help): the
    first of LANGUAGE, LC_ALL, LC_MESSAGES and LANG that is set, LANGUAGE being a list in order of
    preference ('cy:en'); 'cy_GB.UTF-8' -> 'cy'.
    """
    def allowed(code: str) -> str | None:
        code = code.strip().replace("_", "-").lower()
        return code if code and code in languages else None

    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip()
        if value:
            for item in value.split(":"):
                code = item.split(".")[0].split("@")[0]
                found = allowed(code) or allowed(code.replace("_", "-").split("-")[0])
                if found:
                    return found
            return default
    return default
