"""Snippets (FORMAT.md 7.5): '_snippets/NAME.md' at the content root, included by a line '{{> NAME }}'.

A snippet is read, checked and rendered ONCE per load, on its own, at its own
file and lines, so a problem in it is reported once and where it was written,
however many files include it. The include line is then replaced by the
snippet's safe HTML on a single line (a '<div class="snippet">' block, which
Markdown passes through untouched), so the including file keeps every line
number for the problems after the include.

A snippet's footnotes stay in its block, with ids of their own at each include
('fn:NAME-LINE-1' for '{{> NAME }}' on line LINE; its headings 'NAME-LINE-heading'):
they never clash with the including file's ('fn:1'), nor with another include of
the same snippet on the page.

A snippet is shared by courses and scenarios alike, so it has no folder of its
own to link into: relative links and images in a snippet are errors.

A translation of a snippet sits beside it as '_snippets/NAME.LANG.md'. A
translation into LANG that includes NAME gets it, read with org.LANG.yaml's
wording; where it does not exist, the original is included, with a note.
"""

from __future__ import annotations

import html
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .blocks import warn_blocks_outside_steps
from .frontmatter import opens_with_front_matter
from .html_lint import unsafe_html_warnings
from .links import LinkResolver
from .messages import _
from .problems import Problems
from .reading import too_slow_message
from .render import RenderTooSlow, render_pieces
from .source import SLUG_HELP, SourceFile, is_draft, is_slug, read_source, suggest
from .translations import split_translation

if TYPE_CHECKING:
    from .org import OrgVariables

FOLDER = "_snippets"
# Stands in a snippet's rendered footnote and heading ids until an include puts its own name and line there.
_ID_SLOT = "lmsfn" + secrets.token_hex(6)
_HEADING_ID_RE = re.compile(r'(<h[1-6] id=")([^"]*)"')


def _own_heading_ids(html: str) -> str:
    """The snippet's heading ids (and its links to them) with the include's slot in front, as its footnotes have."""
    ids = {match[2] for match in _HEADING_ID_RE.finditer(html)}
    html = _HEADING_ID_RE.sub(lambda match: f'{match[1]}{_ID_SLOT}{match[2]}"', html)
    for heading_id in ids:
        html = html.replace(f'href="#{heading_id}"', f'href="#{_ID_SLOT}{heading_id}"')
    return html


@dataclass(frozen=True)
class SnippetUse:
    """One '{{> NAME }}' line: where it is, and which snippet it includes."""

    rel: str
    line: int
    name: str


@dataclass(frozen=True)
class _Rendered:
    source: SourceFile
    html: str  # one line, ready to replace the include line
    broken: bool  # the snippet has errors of its own


def snippet_rel(name: str, language: str | None = None) -> str:
    return f"{FOLDER}/{name}.{language}.md" if language else f"{FOLDER}/{name}.md"


class Snippets:
    """The snippets of one content folder, each rendered at most once per load.

    Problems inside a snippet go to `problems` (the load's general problems),
    never to the units that include it; a unit including a broken snippet
    gets one error at its include line instead, and is left out.
    """

    def __init__(self, root: Path, problems: Problems, org: OrgVariables, budget: float) -> None:
        self.root = root
        self.problems = problems
        self.org = org
        self.budget = budget
        self.translations: dict[str, dict[str, Path]] = {}  # name -> language -> '_snippets/NAME.LANG.md'
        self.paths: dict[str, Path] = self._scan()
        self._rendered: dict[tuple[str, str | None], _Rendered | None] = {}

    def _scan(self) -> dict[str, Path]:
        folder = self.root / FOLDER
        try:
            with os.scandir(folder) as scan:
                found = sorted(scan, key=lambda e: e.name)
        except FileNotFoundError:
            return {}
        except NotADirectoryError:
            self.problems.error(FOLDER, 0, _("'{folder}' should be a folder of snippets, like '{folder}/urgent-help.md'",  # noqa: E501
                                             folder=FOLDER))
            return {}
        except OSError as exc:
            self.problems.error(FOLDER, 0, _("cannot read this folder: {reason}", reason=exc.strerror or str(exc)))
            return {}
        if os.path.islink(folder):  # scandir follows a linked folder; we never do
            self.problems.error(FOLDER, 0, _("symbolic links are not allowed; make this a real folder"))
            return {}
        paths: dict[str, Path] = {}
        for entry in found:
            rel = f"{FOLDER}/{entry.name}"
            if is_draft(entry.name):
                continue
            if entry.is_symlink():
                self.problems.error(rel, 0, _("symbolic links are not allowed; replace the link with the real file"))
            elif not entry.name.endswith(".md") or not entry.is_file(follow_symlinks=False):
                self.problems.warning(rel, 0, _("ignored; {folder}/ holds snippet files like 'urgent-help.md'",
                                                folder=FOLDER))
            elif (translation := split_translation(entry.name)) is not None and is_slug(translation[0][:-3]):
                self.translations.setdefault(translation[0][:-3], {})[translation[1]] = Path(entry.path)
            elif not is_slug(entry.name[:-3]):
                self.problems.error(rel, 0, _("snippet name '{entry_name}' is not valid; use {slug_help}",
                                              entry_name=entry.name[:-3], slug_help=SLUG_HELP))
            else:
                paths[entry.name[:-3]] = Path(entry.path)
        for name, files in sorted(self.translations.items()):
            if name not in paths:
                for language in sorted(files):
                    self.problems.warning(snippet_rel(name, language), 0, _("this looks like a translation of snippet '{name}', which does not exist; rename it to match its original ({snippet_path} beside {original_path})", name=name, snippet_path=snippet_rel(name, language), original_path=snippet_rel(name)))  # noqa: E501
        return paths

    def include(self, name: str, rel: str, line: int, problems: Problems, uses: list[SnippetUse],
                language: str | None = None) -> str | None:
        """The HTML line that replaces '{{> name }}' at rel:line; None (reported) if it cannot.

        `language`: the including file is a translation into it, so the snippet's translation is
        included if there is one (else the original, with a note).
        """
        if name not in self.paths:
            where = (
                _("add '{snippet_path}' at the content folder's root", snippet_path=snippet_rel(name)) if is_slug(name)
                else _("snippet names use {slug_help}", slug_help=SLUG_HELP)
            )
            suggestion = suggest(name, self.paths)
            if suggestion:  # a near miss: a typo to fix, not a file to add
                problems.error(rel, line, _("there is no snippet '{name}'{suggestion}", name=name,
                                            suggestion=suggestion))
            else:
                problems.error(rel, line, _("there is no snippet '{name}'{suggestion}; {where}",
                                            name=name, suggestion="", where=where))
            return None
        uses.append(SnippetUse(rel, line, name))
        shown_in = language
        if language is not None and language not in self.translations.get(name, {}):
            problems.note(rel, line, _("snippet '{name}' has no translation into '{language}' ({snippet_path}), so its original is shown here", name=name, language=language, snippet_path=snippet_rel(name, language)))  # noqa: E501
            language = None
        rendered = self.render(name, language)
        if rendered is None or rendered.broken:
            problems.error(rel, line, _("snippet '{name}' has errors of its own (see {snippet_path}), so this file cannot use it until they are fixed", name=name, snippet_path=snippet_rel(name, language)))  # noqa: E501
            return None
        one_line = rendered.html.replace(_ID_SLOT, f"{name}-{line}-")
        original = self.org.original_language
        if shown_in is not None and language is None and original and original != shown_in and one_line:
            # The original's words on a translated page: marked, as an untranslated step is.
            marked = f'<div class="snippet" lang="{html.escape(original)}">'
            return one_line.replace('<div class="snippet">', marked, 1)
        return one_line

    def source(self, name: str) -> SourceFile | None:
        """The snippet's original file as read (for version hashes), once it has been rendered."""
        rendered = self._rendered.get((name, None))
        return rendered.source if rendered is not None else None

    def render_all(self) -> None:
        """Check the snippets nobody included too, translations included, so `lms check` reports their problems."""
        for name in self.paths:
            self.render(name)
            for language in sorted(self.translations.get(name, {})):
                self.render(name, language)

    def render(self, name: str, language: str | None = None) -> _Rendered | None:
        if (name, language) not in self._rendered:
            self._rendered[name, language] = self._render(name, language)
        return self._rendered[name, language]

    def _render(self, name: str, language: str | None) -> _Rendered | None:
        rel = snippet_rel(name, language)
        own = Problems()
        path, org = (self.translations[name][language], self.org.for_language(language)) if language \
            else (self.paths[name], self.org)
        try:
            source = read_source(path, rel, own)
            if source is None:
                return None
            if opens_with_front_matter(source.text):
                own.warning(rel, 1, _("a snippet has no front matter: these lines between '---' are shown on the "
                                      "page as text; remove them (the file is included as it is)"))
            text = org.substitute(source.text, rel, 1, own, in_snippet=True)
            lines = text.split("\n")
            warn_blocks_outside_steps(text, 1, rel, own)
            unsafe_html_warnings(lines, 1, rel, own)
            resolver = LinkResolver(
                root=self.root, file_rel=rel, scope_rel=None, scope_name="snippet", text=source.text,
                problems=own, page_urls={}, asset_url=lambda inner: inner,
            )
            html = render_pieces([text], resolver, self.budget, org.text_language, _ID_SLOT)[0]
        except RenderTooSlow as exc:
            own.error(rel, 0, too_slow_message(exc.budget))
            return None
        except RecursionError:
            own.error(
                rel, 0, _("this snippet is nested too deeply to read (quotes or lists inside each other); simplify it"),
            )
            return None
        except Exception as exc:  # noqa: BLE001 - a broken snippet must never stop the app
            own.error(rel, 0, _("internal error reading this snippet: {error_type}: {exc}",
                                error_type=type(exc).__name__, exc=str(exc)))
            return None
        finally:
            self.problems.extend(own)
        if not html:
            self.problems.warning(rel, 0, _("this snippet is empty, so including it shows nothing"))
        html = _own_heading_ids(html)
        # One line, so the including file's line numbers do not move: a newline is
        # whitespace between tags and a newline in text or <pre> once the page is parsed.
        one_line = f'<div class="snippet">{html.replace(chr(10), "&#10;")}</div>' if html else ""
        return _Rendered(source, one_line, own.has_errors)
