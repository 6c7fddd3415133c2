"""Organisation variables and snippets (FORMAT.md 7.5): '{{ org.NAME }}', '{{ support.contacts }}', '{{> NAME }}'.

Substitution happens on each line before parsing and never adds a line, so every
problem keeps its line number (a snippet becomes one line of HTML, see
snippets.py). Values are the org.yaml defaults at the content root, overridden
by the site's ORG setting. A translation into LANG reads org.LANG.yaml's wording of
those values where it gives one (the site's setting still wins, and its own `NAME.LANG`
value wins over its `NAME`), and includes _snippets/NAME.LANG.md where that exists
(`OrgVariables.for_language`).
Each value is the text as written in its file, never typed by YAML (a phone number
`01234567` is not read as an octal number), and an empty value is an error wherever
it is used, as a missing one is.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from .frontmatter import Fields, load_front_matter
from .messages import Message, _, _n
from .problems import Problems
from .source import read_source, suggest, suggest_inline

if TYPE_CHECKING:
    from .snippets import Snippets, SnippetUse

NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
#: A language code as content files name them (`cy`, `pt-BR`): in org.LANG.yaml, and in the site's `NAME.LANG`.
LANGUAGE_CODE = r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?"
#: A site ORG name with the language its value is written for: `support_line.cy`.
_SITE_NAME_RE = re.compile(rf"(?P<name>[a-z][a-z0-9_]*)(?:\.(?P<lang>{LANGUAGE_CODE}))?")
#: An HTML tag in a value: pages drop or refuse it, with errors blamed on the trainers' files that use it.
TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>?")
# '{{' then anything short up to '}}': each use is checked, so a typo is reported, not shown.
_USE_RE = re.compile(r"\{\{\s*([^{}\n]{0,80}?)\s*\}\}")
#: What is left of a variable or the contacts list written with a brace missing ('{{ org.x }', '{ org.x }'), once
#: every whole '{{ ... }}' is taken out: shown as typed, so a trainer is told.
_BROKEN_USE_RE = re.compile(r"\{+\s*(?:org\.\w+|support\.contacts)\s*\}*|(?:org\.\w+|support\.contacts)\s*\}+")
CONTACTS = "support.contacts"
# A comment '# sample' ending a key's line in org.yaml marks its value as a placeholder to replace.
_SAMPLE_MARK_RE = re.compile(r"(^|\s)#\s*sample\s*$")


def contacts_html(contacts: Sequence[Mapping[str, str]], language: str | None = None) -> str:
    """The support contacts as one line of HTML (a list), so no line numbers move; '' for none.

    `language`: marks the list as being in that language (a list put into text in another).
    """
    items = "".join(
        f"<li><strong>{html.escape(c.get('name', ''))}</strong>: {html.escape(c.get('contact', ''))}"
        + (f" ({html.escape(c['when'])})" if c.get("when") else "") + "</li>"
        for c in contacts
    )
    if not items:
        return ""
    lang = f' lang="{html.escape(language)}"' if language else ""
    return f'<ul class="support-contacts"{lang}>{items}</ul>'


class OrgVariables:
    """The values for one load, and which variables each file used."""

    def __init__(self, defaults: Mapping[str, str], overrides: Mapping[str, str] | None,
                 support_contacts: Sequence[Mapping[str, str]] | None, samples: frozenset[str] = frozenset(),
                 wording: Mapping[str, Mapping[str, str]] | None = None,
                 contacts_wording: Mapping[str, Sequence[Mapping[str, str]]] | None = None,
                 original_language: str | None = None, lines: Mapping[str, Mapping[str, int]] | None = None) -> None:
        self.defaults = dict(defaults)
        # file name (org.yaml, org.LANG.yaml) -> name -> the line it is written on, to point at an empty value
        self.lines = {file_name: dict(at) for file_name, at in (lines or {}).items()}
        self.samples = samples  # org.yaml names whose value is marked '# sample'
        # The site's ORG setting: `NAME` in every language; `NAME.LANG` (site_wording) for pages in LANG only.
        self.overrides, self.site_wording = split_site_org(overrides or {})
        # org.LANG.yaml: language -> name -> the value as a translation into LANG words it
        self.wording = {language: dict(values) for language, values in (wording or {}).items()}
        self.language: str | None = None  # set on a translation's view (for_language)
        self.original_language = original_language  # what the originals are written in, when known
        self.values = {**self.defaults, **self.overrides, **self.site_wording.get(original_language or "", {})}
        self.contacts = list(support_contacts or [])
        # language -> the contacts as a page in that language shows them (the app's translations of its
        # shipped defaults; a charity's own contacts as written); a language not given shows `contacts`
        self.contacts_wording = {language: list(values) for language, values in (contacts_wording or {}).items()}
        self.used: dict[str, list[str]] = {}
        self.contacts_used: set[str] = set()  # files (rel) whose text lists the support contacts (contacts.py)
        self.missing: list[str] = []
        self.snippets: Snippets | None = None  # set by the loader once the _snippets/ folder is known
        self.unreadable = False  # org.yaml could not be read at all (set by the loader)
        self.told_unreadable: set[str] = set()  # files already told so

    def for_language(self, language: str) -> OrgVariables:
        """These variables as a translation into `language` reads them.

        org.LANG.yaml's wording replaces org.yaml's value; the site's ORG setting wins over
        both (it is this site's truth, in whatever language the admin wrote it), and its
        `NAME.LANG` over its `NAME` (the admin's words for LANG's pages). Uses are
        recorded with everyone else's, a snippet is included from _snippets/NAME.LANG.md
        when that exists, and '{{ support.contacts }}' lists the contacts in LANG's words
        where the app gave them (`contacts_wording`).
        """
        view = copy.copy(self)  # shares used, contacts_used, missing and snippets
        view.values = {**self.defaults, **self.wording.get(language, {}), **self.overrides,
                       **self.site_wording.get(language, {})}
        view.language = language
        view.contacts = self.contacts_wording.get(language, self.contacts)
        return view

    @property
    def text_language(self) -> str | None:
        """The language of the text these values are substituted into: a translation's, else the originals'."""
        return self.language or self.original_language

    def source(self, key: str, language: str | None = None) -> str | None:
        """The file a text in `language` (None: the originals') takes `key`'s value from: 'org.yaml' or
        'org.LANG.yaml'; None when the site's ORG setting gives it, or nothing does."""
        if key in self.overrides or key in self.site_wording.get(language or self.original_language or "", {}):
            return None
        if language is not None and key in self.wording.get(language, {}):
            return f"org.{language}.yaml"
        return "org.yaml" if key in self.defaults else None

    def empty_source(self, key: str, language: str | None = None) -> str | None:
        """The file whose empty value of `key` a text in `language` would show, if it is empty there."""
        file_name = self.source(key, language)
        if file_name is None:
            return None
        values = self.defaults if file_name == "org.yaml" else self.wording[file_name[4:-5]]
        return None if values[key].strip() else file_name

    def line_of(self, file_name: str, key: str) -> int:
        """The line `key` is written on in `file_name` (org.yaml or org.LANG.yaml); 0 when not known."""
        return self.lines.get(file_name, {}).get(key, 0)

    def empty_lines(self) -> list[tuple[str, str, int]]:
        """(file, name, line) of every empty value in org.yaml and org.LANG.yaml: what a unit's problems about
        them say, so the render cache keys on it."""
        files = [("org.yaml", self.defaults)] + [(f"org.{lang}.yaml", values) for lang, values in self.wording.items()]
        return sorted((file_name, name, self.line_of(file_name, name))
                      for file_name, values in files for name, value in values.items() if not value.strip())

    def untranslated(self, language: str, used_in: Sequence[str]) -> list[str]:
        """Variables used in `used_in` files that show org.yaml's value for want of org.LANG.yaml's wording."""
        wording = self.wording.get(language, {})
        return sorted(name for name, files in self.used.items()
                      if name not in wording and name not in self.overrides and name in self.defaults
                      and name not in self.site_wording.get(language, {})
                      and any(rel in used_in for rel in files))

    def contacts_html(self) -> str:
        """The support contacts as one line of HTML (a list), so no line numbers move."""
        return contacts_html(self.contacts)

    def substitute(
        self, text: str, rel: str, line: int, problems: Problems, *,
        snippet_uses: list[SnippetUse] | None = None, in_snippet: bool = False,
    ) -> str:
        """Replace every '{{ ... }}' in text (one or more lines, the first being `line`).

        Snippets are included only where `snippet_uses` is given (a Markdown body,
        whose unit records what it included); `in_snippet` says the text is a
        snippet itself, which may not include another.
        """
        if "{" not in text and "}" not in text:
            return text
        lines = text.split("\n")
        for i, row in enumerate(lines):
            if broken := _BROKEN_USE_RE.search(_USE_RE.sub("", row)):
                problems.warning(rel, line + i, _("'{written}' looks like a variable with a brace missing, so it would show as typed; write two braces each side, like '{{{{ org.name }}}}'", written=broken.group(0).strip()))  # noqa: E501
        if "{{" not in text:
            return text
        return "\n".join(
            self._line(row, rel, line + i, problems, snippet_uses, in_snippet) if "{{" in row else row
            for i, row in enumerate(lines)
        )

    def _line(
        self, row: str, rel: str, number: int, problems: Problems, snippet_uses: list[SnippetUse] | None,
        in_snippet: bool,
    ) -> str:
        def replace(match: re.Match[str]) -> str:
            name = " ".join(match.group(1).split())
            if name.startswith(">"):
                return self._include(name[1:].strip(), match.group(0), row, rel, number, problems, snippet_uses,
                                     in_snippet)
            if name == CONTACTS:
                if row.strip() != match.group(0):
                    problems.error(rel, number,
                                   _("'{{{{ support.contacts }}}}' becomes a list, so put it on a line of its own"))
                    return match.group(0)
                self.contacts_used.add(rel)
                return self.contacts_html()
            if name.startswith("org.") and not NAME_RE.fullmatch(name[4:]) and name[4:].lower() in self.values:
                problems.error(rel, number, _("'{{{{ {name} }}}}': variable names are lowercase; write '{{{{ org.{lower} }}}}'", name=name, lower=name[4:].lower()))  # noqa: E501
                return match.group(0)
            if not name.startswith("org.") or not NAME_RE.fullmatch(name[4:]):
                problems.error(rel, number, _("'{{{{ {name} }}}}' is not a variable; write '{{{{ org.name }}}}' (lowercase letters, digits and _) or '{{{{ support.contacts }}}}'", name=name))  # noqa: E501
                return match.group(0)
            key = name[4:]
            files = self.used.setdefault(key, [])
            if rel not in files:
                files.append(rel)
            if key not in self.values and self.unreadable:
                # One problem per file, pointing at the cause, not one per use of every variable.
                if rel not in self.told_unreadable:
                    self.told_unreadable.add(rel)
                    problems.error(rel, number, _("this file uses organisation variables, and org.yaml could not be "
                                                  "read: fix org.yaml first (see its error)"))
                return match.group(0)
            if key not in self.values:
                if key not in self.missing:
                    self.missing.append(key)
                problems.error(rel, number, _("organisation variable '{key}' has no value{suggestion}; add '{key}: ...' to org.yaml at the content folder's root (or to the site's ORG setting)", key=key, suggestion=suggest_inline(key, self.values)))  # noqa: E501
                return match.group(0)
            value = " ".join(self.values[key].split())
            if not value:
                # "Ring  on ...": as bad as no value at all, so the unit is left out until one is given.
                if key not in self.missing:
                    self.missing.append(key)
                if (file_name := self.source(key, self.language)) is None:
                    problems.error(rel, number, _("organisation variable '{key}' is empty in the site's ORG setting; give it a value there (the admin settings page), or remove its use here", key=key))  # noqa: E501
                else:
                    problems.error(rel, number, _("organisation variable '{key}' is empty in {file_name} (line {line}); fill it in there, or remove its use here", key=key, file_name=file_name, line=self.line_of(file_name, key)))  # noqa: E501
                return match.group(0)
            return value
        return _USE_RE.sub(replace, row)

    def _include(
        self, name: str, written: str, row: str, rel: str, number: int, problems: Problems,
        snippet_uses: list[SnippetUse] | None, in_snippet: bool,
    ) -> str:
        if in_snippet:
            problems.error(rel, number, _("'{written}': a snippet cannot include another snippet; copy its text here, or include both where this snippet is used", written=written))  # noqa: E501
            return written
        if snippet_uses is None or self.snippets is None:
            problems.error(rel, number, _("'{written}': snippets can only be included in the Markdown text of a file, on a line of their own", written=written))  # noqa: E501
            return written
        if row.strip() != written:
            problems.error(rel, number, _("'{written}' includes a snippet, so put it on a line of its own",
                                          written=written))
            return written
        html = self.snippets.include(name, rel, number, problems, snippet_uses, self.language)
        return written if html is None else html


class OrgFile(NamedTuple):
    values: dict[str, str]  # as written in the file; '' for a value left empty
    samples: frozenset[str]
    unreadable: bool = False  # not YAML name: value lines at all: it gave no values
    lines: Mapping[str, int] = MappingProxyType({})  # name -> the line it is written on


def read_org_yaml(root: Path, problems: Problems, file_name: str = "org.yaml") -> OrgFile:
    """org.yaml (or a language's org.LANG.yaml) at the content root: a flat mapping of names to strings.

    A missing file gives no values. Each value is its text as written (YAML's typing would turn a phone
    number `01234567` into 342391 and a time `22:00` into 1320); a value left empty is '' here, and an
    error where the content uses it (OrgVariables).

    Also returns the names whose line ends with the comment '# sample': placeholder
    values (the sample training's, for a fictional charity) that a site still has to
    replace, which `lms check` and the trainers' content page list until it does.
    """
    path = root / file_name
    if not path.is_file() or path.is_symlink():
        return OrgFile({}, frozenset())
    source = read_source(path, file_name, problems)
    if source is None:
        return OrgFile({}, frozenset(), unreadable=True)
    meta = load_front_matter(source.text, file_name, 1, problems, whole_file=True, as_written=True)
    rows = source.text.splitlines()
    values: dict[str, str] = {}
    samples: set[str] = set()
    lines: dict[str, int] = {}
    for key, value in meta.data.items():
        if not NAME_RE.fullmatch(key):
            problems.error(file_name, meta.line(key), _("'{key}' is not a valid variable name; use lowercase letters, digits and _, starting with a letter", key=key))  # noqa: E501
        elif not isinstance(value, str):
            problems.error(file_name, meta.line(key), _("'{key}' should be text, like '{key}: Our charity'", key=key))
        else:
            values[key] = value
            line = lines[key] = meta.line(key)
            if 0 < line <= len(rows) and _SAMPLE_MARK_RE.search(rows[line - 1]):
                samples.add(key)
    return OrgFile(values, frozenset(samples), meta.unreadable, lines)


_WORDING_FILE_RE = re.compile(rf"org\.(?P<lang>{LANGUAGE_CODE})\.yaml")


def read_org_wording(
    root: Path, problems: Problems, defaults: Mapping[str, str], lines: dict[str, Mapping[str, int]] | None = None,
    defaults_read: bool = True,
) -> dict[str, dict[str, str]]:
    """Every org.LANG.yaml at the content root: language -> name -> the value as translations into LANG word it.

    Such a file gives the wording of org.yaml's variables, so a name org.yaml does not have is a warning
    (a typo, or a value the originals cannot use either). Its '# sample' marks are allowed and add nothing:
    the site's ORG setting replaces a variable in every language. Values are read as written, as org.yaml's
    are; `lines`, when given, gets each file's name -> line of each name. With `defaults_read` False (org.yaml
    could not be read, and says so) no name is reported as missing from it: every one would be.
    """
    wording: dict[str, dict[str, str]] = {}
    for path in sorted(root.glob("org.*.yaml")):
        match = _WORDING_FILE_RE.fullmatch(path.name)
        if match is None:
            continue
        read = read_org_yaml(root, problems, path.name)
        values = read.values
        for key in sorted(set(values) - set(defaults)) if defaults_read else ():
            problems.warning(path.name, read.lines.get(key, 0), _("'{key}' is not in org.yaml, so no file can use it; {file_name} gives the wording of org.yaml's variables in one language{suggestion}", key=key, file_name=path.name, suggestion=suggest(key, defaults)))  # noqa: E501
        wording[match["lang"]] = {key: value for key, value in values.items() if key in defaults}
        if lines is not None:
            lines[path.name] = read.lines
    return wording


def untranslated_note(language: str, names: Sequence[str], exists: bool = True) -> Message:
    """The note listing variables that translations into `language` show in org.yaml's wording; with no
    org.LANG.yaml yet (`exists` False), it says to create one."""
    if not exists:
        return _n(
            "{count} organisation detail used in the '{language}' translations is shown in org.yaml's wording, "
            "as there is no org.{language}.yaml: create it beside org.yaml with a line for it, like "
            "'{first}: ...': {names}",
            "{count} organisation details used in the '{language}' translations are shown in org.yaml's wording, "
            "as there is no org.{language}.yaml: create it beside org.yaml with a line for each, like "
            "'{first}: ...': {names}",
            len(names), language=language, names=", ".join(names), first=names[0],
        )
    return _n(
        "{count} organisation detail used in the '{language}' translations has no wording in org.{language}.yaml, "
        "so those pages show org.yaml's: {names}",
        "{count} organisation details used in the '{language}' translations have no wording in "
        "org.{language}.yaml, so those pages show org.yaml's: {names}",
        len(names), language=language, names=", ".join(names),
    )


def sample_note(names: Sequence[str]) -> Message:
    """The `lms check` note listing the variables still at their org.yaml sample values."""
    return _n(
        "{count} organisation detail the training uses still has the sample value marked '# sample' in org.yaml: "
        "{names}. Set it in the site's ORG setting (its configuration file or the admin settings page), or write "
        "your own value in org.yaml and remove the '# sample' mark",
        "{count} organisation details the training uses still have the sample values marked '# sample' in org.yaml: "
        "{names}. Set each in the site's ORG setting (its configuration file or the admin settings page), or write "
        "your own value in org.yaml and remove the '# sample' mark",
        len(names), names=", ".join(names),
    )


def org_text(fields: Fields, key: str, org: OrgVariables | None) -> str | None:
    """A front matter text (title, summary) with its variables substituted."""
    value = fields.text(key)
    if value is None or org is None or "{{" not in value:
        return value
    return org.substitute(value, fields.rel, fields.line(key), fields.problems) or None


def flat_site_org(values: Mapping[str, object]) -> dict[str, object]:
    """A site ORG setting with every language's values as `NAME.LANG` names (the form the admin page writes).

    A configuration file may write them as TOML does: a table per language (`[ORG.cy]`, then
    `support_line = "..."`), or dotted under a name (`support_line.cy = "..."` beside no plain
    `support_line`, which TOML reads as a table of languages). Anything else is kept as given.
    """
    flat: dict[str, object] = {}
    for key, value in values.items():
        if isinstance(value, Mapping) and isinstance(key, str) and re.fullmatch(LANGUAGE_CODE, key):
            flat.update({f"{name}.{key}": text for name, text in value.items()})
        elif isinstance(value, Mapping) and all(isinstance(lang, str) and re.fullmatch(LANGUAGE_CODE, lang)
                                                for lang in value):
            flat.update({f"{key}.{lang}": text for lang, text in value.items()})
        else:
            flat[key] = value
    return flat


def split_site_org(values: Mapping[str, object]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """A site ORG setting as (NAME -> value for every language, LANG -> NAME -> value for LANG's pages)."""
    everywhere: dict[str, str] = {}
    by_language: dict[str, dict[str, str]] = {}
    for key, value in flat_site_org(values).items():
        match = _SITE_NAME_RE.fullmatch(str(key))
        if match is not None and match["lang"]:
            by_language.setdefault(match["lang"], {})[match["name"]] = str(value)
        else:
            everywhere[str(key)] = str(value)
    return everywhere, by_language


def org_problems(values: object) -> list[Message]:
    """What is wrong with a site's ORG setting (a mapping of names, or `NAME.LANG`, to text); [] when usable.

    The same rule for the configuration file, the environment and the admin settings page. Values are Markdown
    (FORMAT.md §7.5), so an HTML tag in one is refused here, at the setting, rather than breaking every course
    that uses it.
    """
    if not isinstance(values, Mapping):
        return [_('should be a table of names to text, like {{ charity_name = "Our charity" }}')]
    problems = []
    for key, value in flat_site_org(values).items():
        if not isinstance(key, str) or not _SITE_NAME_RE.fullmatch(key):
            problems.append(_("'{key}' is not a valid variable name; use lowercase letters, digits and _, "
                              "starting with a letter, and a language after a dot for one language's pages "
                              "(support_line.cy)", key=key))
        elif not isinstance(value, str):
            problems.append(_("'{key}' should be text", key=key))
        elif not value.strip():
            # Pages would say "Ring  on ...": leaving a name out keeps the content's own value (org.yaml).
            problems.append(_("'{key}' is empty; give it a value, or leave it out to keep the content's own "
                              "(org.yaml)", key=key))
        elif (tag := TAG_RE.search(value)) is not None:
            problems.append(_("'{key}' holds HTML ('{tag}'), which the pages would drop; write plain words "
                              "(Markdown, such as [a link](https://example.org), is fine)", key=key,
                              tag=tag.group(0)[:40]))
    return problems


def parse_org_lines(text: str) -> tuple[dict[str, str], list[Message]]:
    """`name = value` lines (as the admin settings page shows them) as a mapping, and what is wrong. A name may
    end with a language (`support_line.cy = ...`): that value is for pages in that language.

    A value is the text after the first '=', as written (spaces around it removed), except that one pair of
    quotes around the whole of it is taken off, as org.yaml and config.toml do (`name = "Harbour Lines"`
    reads `Harbour Lines`); an empty one is refused.
    """
    values: dict[str, str] = {}
    problems: list[Message] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep:
            problems.append(_("line {number}: write it as name = value", number=number))
        elif name in values:
            problems.append(_("line {number}: '{name}' is given twice", number=number, name=name))
        elif not _SITE_NAME_RE.fullmatch(name):  # said here with its line; org_problems would say it without one
            problems.append(_("line {number}: '{name}' is not a valid variable name; use lowercase letters, digits "
                              "and _, starting with a letter, and a language after a dot for one language's pages "
                              "(support_line.cy)", number=number, name=name))
        elif not (value := _unquoted(value.strip())).strip():  # the same: said here with its line
            problems.append(_("line {number}: '{name}' has no value; write it after the '=', or remove the line to "
                              "keep the content's own (org.yaml)", number=number, name=name))
        else:
            values[name] = value.strip()
    problems += org_problems(values)
    return values, problems


def _quoted_whole(value: str) -> bool:
    return len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'"


def _unquoted(value: str) -> str:
    """The value without one pair of quotes around the whole of it."""
    return value[1:-1] if _quoted_whole(value) else value


def org_lines(values: Mapping[str, str]) -> str:
    """The inverse of parse_org_lines: one `name = value` per line, sorted by name. A value that is itself
    in quotes gets one more pair, which parse_org_lines takes off again."""
    lines = []
    flat = flat_site_org(values)
    for name in sorted(flat):
        value = str(flat[name])
        lines.append(f'{name} = "{value}"' if _quoted_whole(value) else f"{name} = {value}")
    return "\n".join(lines)
