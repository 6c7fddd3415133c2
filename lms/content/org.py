"""Organisation variables (FORMAT.md 7.5): '{{ org.NAME }}' and '{{ support.contacts }}' in content.

Substitution happens on each line before parsing and never adds a line, so every
problem keeps its line number. Values are the org.yaml defaults at the content
root, overridden by the site's ORG setting.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from .frontmatter import Fields, load_front_matter
from .problems import Problems
from .source import read_source, suggest

NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
# '{{' then anything short up to '}}': each use is checked, so a typo is reported, not shown.
_USE_RE = re.compile(r"\{\{\s*([^{}\n]{0,80}?)\s*\}\}")
CONTACTS = "support.contacts"


class OrgVariables:
    """The values for one load, and which variables each file used."""

    def __init__(self, defaults: Mapping[str, str], overrides: Mapping[str, str] | None,
                 support_contacts: Sequence[Mapping[str, str]] | None) -> None:
        self.defaults = dict(defaults)
        self.values = {**self.defaults, **{str(k): str(v) for k, v in (overrides or {}).items()}}
        self.contacts = list(support_contacts or [])
        self.used: dict[str, list[str]] = {}
        self.missing: list[str] = []

    def contacts_html(self) -> str:
        """The support contacts as one line of HTML (a list), so no line numbers move."""
        items = "".join(
            f"<li><strong>{html.escape(c.get('name', ''))}</strong>: {html.escape(c.get('contact', ''))}"
            + (f" ({html.escape(c['when'])})" if c.get("when") else "") + "</li>"
            for c in self.contacts
        )
        return f'<ul class="support-contacts">{items}</ul>' if items else ""

    def substitute(self, text: str, rel: str, line: int, problems: Problems) -> str:
        """Replace every '{{ ... }}' in text (one or more lines, the first being `line`)."""
        if "{{" not in text:
            return text
        lines = text.split("\n")
        return "\n".join(self._line(row, rel, line + i, problems) if "{{" in row else row for i, row in enumerate(lines))

    def _line(self, row: str, rel: str, number: int, problems: Problems) -> str:
        def replace(match: re.Match[str]) -> str:
            name = " ".join(match.group(1).split())
            if name.startswith(">"):
                problems.error(rel, number, f"'{{{{{name}}}}}' includes a snippet; snippets are not supported by this version of the LMS")
                return match.group(0)
            if name == CONTACTS:
                if row.strip() != match.group(0):
                    problems.error(rel, number, "'{{ support.contacts }}' becomes a list, so put it on a line of its own")
                    return match.group(0)
                return self.contacts_html()
            if not name.startswith("org.") or not NAME_RE.fullmatch(name[4:]):
                problems.error(rel, number, f"'{{{{ {name} }}}}' is not a variable; write '{{{{ org.name }}}}' (lowercase letters, digits and _) or '{{{{ support.contacts }}}}'")  # noqa: E501
                return match.group(0)
            key = name[4:]
            files = self.used.setdefault(key, [])
            if rel not in files:
                files.append(rel)
            if key not in self.values:
                if key not in self.missing:
                    self.missing.append(key)
                problems.error(rel, number, f"organisation variable '{key}' has no value{suggest(key, self.values)}; add '{key}: ...' to org.yaml at the content folder's root (or to the site's ORG setting)")  # noqa: E501
                return match.group(0)
            return " ".join(self.values[key].split())
        return _USE_RE.sub(replace, row)


def read_org_yaml(root: Path, problems: Problems) -> dict[str, str]:
    """org.yaml at the content root: a flat mapping of names to strings (missing: no defaults)."""
    path = root / "org.yaml"
    if not path.is_file() or path.is_symlink():
        return {}
    source = read_source(path, "org.yaml", problems)
    if source is None:
        return {}
    meta = load_front_matter(source.text, "org.yaml", 1, problems)
    values: dict[str, str] = {}
    for key, value in meta.data.items():
        if not NAME_RE.fullmatch(key):
            problems.error("org.yaml", meta.line(key), f"'{key}' is not a valid variable name; use lowercase letters, digits and _, starting with a letter")  # noqa: E501
        elif isinstance(value, (dict, list)) or value is None:
            problems.error("org.yaml", meta.line(key), f"'{key}' should be text, like '{key}: Our charity'")
        else:
            values[key] = str(value)
    return values


def org_text(fields: Fields, key: str, org: OrgVariables | None) -> str | None:
    """A front matter text (title, summary) with its variables substituted."""
    value = fields.text(key)
    if value is None or org is None or "{{" not in value:
        return value
    return org.substitute(value, fields.rel, fields.line(key), fields.problems) or None
