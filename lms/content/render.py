"""Markdown -> safe HTML, once, at load time.

A file's Markdown is rendered in ONE pass even though it yields many HTML
fragments (text between questions, each prompt, choice and feedback): the
pieces are joined with a marker paragraph, rendered and sanitised together,
then split on the marker. That keeps footnotes, reference links and heading
anchors working across the pieces and costs one render per file. If a piece
swallows a marker (an unclosed fence or HTML block), the pieces are rendered
one by one instead.

Rendering runs under a hard time budget (see `render_pieces`): a file that
would take too long raises RenderTooSlow instead of holding up the loader.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import ctypes
import gc
import os
import re
import secrets
import threading
import time
import xml.etree.ElementTree as etree
from collections.abc import Iterator, Mapping, Sequence

import markdown
import nh3
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from .links import WEB_SCHEMES, LinkResolver
from .problems import Problems

# ---------------------------------------------------------------- Markdown


class _ChatTreeprocessor(Treeprocessor):
    """Mark quotes that start with **name** as chat messages.

    `> **nightowl22** (02:07): text` becomes
    `<blockquote class="chat-message"><p><strong class="chat-sender">nightowl22</strong>
    <span class="chat-time">02:07</span> text</p></blockquote>`; without CSS it
    still reads like the Markdown did.
    """

    @staticmethod
    def _starts_message(el: etree.Element | None) -> bool:
        return (el is not None and el.tag == "p" and not (el.text or "").strip() and len(el) > 0
                and el[0].tag == "strong")

    def run(self, root: etree.Element) -> None:
        parents = {child: parent for parent in root.iter() for child in parent}
        for quote_el in list(root.iter("blockquote")):
            if not self._starts_message(quote_el[0] if len(quote_el) else None):
                continue
            # Python-Markdown merges quotes separated by a blank line; CommonMark keeps
            # them apart. Split so that each `**name**` paragraph is its own message.
            groups: list[list[etree.Element]] = []
            for child in list(quote_el):
                if not groups or self._starts_message(child):
                    groups.append([])
                groups[-1].append(child)
            parent = parents[quote_el]
            index = list(parent).index(quote_el)
            parent.remove(quote_el)
            message = quote_el
            for offset, group in enumerate(groups):
                message = etree.Element("blockquote", {"class": "chat-message"})
                message.text = "\n"
                message.tail = "\n"
                for child in group:
                    message.append(child)
                self._mark_sender(group[0])
                parent.insert(index + offset, message)
            message.tail = quote_el.tail

    @staticmethod
    def _mark_sender(first: etree.Element) -> None:
        sender = first[0]
        sender.set("class", "chat-sender")
        stripped = (sender.tail or "").lstrip()
        if stripped.startswith("("):
            close = stripped.find(")", 1, 41)
            if close > 1:
                time_el = etree.Element("span", {"class": "chat-time"})
                time_el.text = stripped[1:close].strip()
                after = stripped[close + 1 :]
                after = after[1:] if after.startswith(":") else after
                sender.tail = " "
                time_el.tail = after
                first.insert(1, time_el)
                return
        if stripped.startswith(":"):
            sender.tail = " " + stripped[1:].lstrip()


class ChatExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.treeprocessors.register(_ChatTreeprocessor(md), "lms_chat", 5)


# Python-Markdown's footnote reference pattern scans from every '[^' to the next ']',
# inside one regular-expression call that the time budget cannot interrupt (a
# paragraph of 100 KB of '[^' took a minute). Stopping at '[' as well makes it
# linear; a footnote label with '[' in it is no loss.
_FOOTNOTE_REF_RE = re.compile(r"\[\^([^\]\[]*)\]", re.DOTALL | re.UNICODE)

#: The words Markdown itself adds to a page, per language of the text: the tooltip of a footnote's
#: back-link ("↩", whose title says where it goes; {} is the footnote's number). Content is rendered
#: once, at load time, without the app's catalogues, so the table lives here. A language missing
#: from it gets Python-Markdown's English; the back-link and footnote numbers themselves are symbols.
#: Keyed by the language's first part, so 'cy-GB' reads 'cy'.
MARKDOWN_WORDING: dict[str, dict[str, str]] = {
    "en": {"BACKLINK_TITLE": "Jump back to footnote {} in the text"},
    "cy": {"BACKLINK_TITLE": "Neidio’n ôl at droednodyn {} yn y testun"},
}


def _wording_language(language: str | None) -> str:
    """The MARKDOWN_WORDING entry for text in `language` (None or one it lacks: English)."""
    base = (language or "en").split("-", 1)[0].lower()
    return base if base in MARKDOWN_WORDING else "en"


def markdown_wording(language: str | None) -> dict[str, str]:
    """The FootnoteExtension settings for text in `language`."""
    return MARKDOWN_WORDING[_wording_language(language)]


def make_markdown(language: str | None = None) -> markdown.Markdown:
    """A Markdown instance with the format's extensions (fresh: extensions hold state).

    `language`: the language of the text, for the words Markdown adds (MARKDOWN_WORDING).
    """
    md = markdown.Markdown(
        extensions=[
            FencedCodeExtension(),
            TableExtension(use_align_attribute=True),  # align="", never style=""
            FootnoteExtension(**markdown_wording(language)),
            TocExtension(),  # ids on headings, for #anchors
            SaneListExtension(),  # an object, not "sane_lists": a name makes Markdown scan every installed package
            ChatExtension(),
        ],
        output_format="html",
    )
    md.inlinePatterns["footnote"].compiled_re = _FOOTNOTE_REF_RE
    return md


_local = threading.local()


def _markdown(language: str | None) -> markdown.Markdown:
    """This thread's Markdown instance for text in `language` (one per language's wording)."""
    wording = _wording_language(language)
    kept: dict[str, markdown.Markdown] = _local.__dict__.setdefault("md", {})
    md = kept.get(wording)
    if md is None:
        md = kept[wording] = make_markdown(wording)
        # First of all block processors (the highest is 100), so markers take no other test.
        md.parser.blockprocessors.register(_MarkerProcessor(md.parser), "lms_marker", 200)
        # After the footnote processors (the last at 15) have built the file's notes.
        md.treeprocessors.register(_NotesPerPiece(md), "lms_notes_per_piece", 14)
    return md


# ---------------------------------------------------------------- sanitising

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
    "var", "wbr", "audio", "video", "source", "track",
}
_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "audio": {"src", "controls", "preload"},
    "video": {"src", "controls", "poster", "preload", "width", "height"},
    "source": {"src", "type"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "li": {"value"},
    "time": {"datetime"},
}
_URL_ATTRIBUTES = {"href", "src", "poster"}


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute not in _URL_ATTRIBUTES:
        return value
    resolver: LinkResolver | None = getattr(_local, "resolver", None)
    return value if resolver is None else resolver.resolve_safely(value)


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    url_schemes=WEB_SCHEMES,
    attribute_filter=_attribute_filter,
    strip_comments=True,
)


def sanitise(html: str) -> str:
    """`html` as the renderer's sanitiser writes it (what a fragment of rendered content looks like)."""
    return _CLEANER.clean(html)


# ---------------------------------------------------------------- rendering

_MARK = "lmsplit" + secrets.token_hex(6)
_MARK_HTML = f"<p>{_MARK}</p>"


class _NotesPerPiece(Treeprocessor):
    """Each piece's footnotes at the end of that piece, numbered and named per piece (when asked).

    Runs after Python-Markdown's footnote processors, which put every note of the
    file after its last piece. With `_local.notes_to` set (piece -> piece whose end
    holds its notes), the notes each piece refers to are copied to the end of its
    holder, numbered from 1 there, with ids 'fn:' + footnote_ids + 'HOLDER-' + label,
    so a page showing several pieces (or one piece twice, with prefix_ids)
    has every note it links to, and no id twice. A note referred to only from
    another note's text comes after it, in the same list.
    """

    def run(self, root: etree.Element) -> None:
        notes_to: Mapping[int, int] | None = getattr(_local, "notes_to", None)
        if notes_to is None:
            return
        footnotes = _footnotes(self.md)
        found = next(((parent, div) for parent in root.iter() for div in parent
                      if div.tag == "div" and div.get("class") == "footnote"), None)
        markers = [child for child in root if child.tag == "p" and child.text == _MARK]
        if found is None or not markers:  # one piece on its own (render_pieces' fallback): notes at its end
            return
        parent, div = found
        parent.remove(div)
        ol = div.find("ol")
        notes = {li.get("id", ""): li for li in (ol if ol is not None else ())}
        # holder -> note id -> the new ids of its references there (a dict keeps the notes in order)
        holders: dict[int, dict[str, list[str]]] = {}
        start = 0
        children = list(root)
        for piece, marker in enumerate(markers):
            end = children.index(marker, start)
            holder = notes_to.get(piece, piece)
            held = holders.setdefault(holder, {})
            for element in children[start:end]:
                for sup in element.iter("sup"):
                    _hold(sup, notes, held, holder, footnotes)
            start = end + 1
        title = footnotes.getConfig("BACKLINK_TITLE")
        blocks: dict[int, etree.Element] = {}  # id(marker) -> the notes that go just before it
        for holder, held in holders.items():
            if not held or holder >= len(markers):
                continue
            block = etree.Element("div", {"class": "footnote"})
            etree.SubElement(block, "hr")
            items = etree.SubElement(block, "ol")
            copies: list[etree.Element] = []
            while len(copies) < len(held):  # a note may refer to another: that one joins the end of the list
                note = list(held)[len(copies)]
                li = copy.deepcopy(notes[note])
                li.set("id", _held_id(note, footnotes, holder))
                for sup in li.iter("sup"):
                    _hold(sup, notes, held, holder, footnotes)
                copies.append(li)
            for position, ((_note, refs), li) in enumerate(zip(held.items(), copies, strict=True), start=1):
                _relink_backrefs(li, refs, title.format(position))
                items.append(li)
            blocks[id(markers[holder])] = block
        if blocks:  # one pass: inserting one by one would cost pieces x elements
            placed: list[etree.Element] = []
            for child in root:
                if id(child) in blocks:
                    placed.append(blocks[id(child)])
                placed.append(child)
            root[:] = placed


def _hold(sup: etree.Element, notes: Mapping[str, etree.Element], held: dict[str, list[str]], holder: int,
          footnotes: FootnoteExtension) -> None:
    """Point a footnote reference (`sup`) at its note's copy at the end of `holder`, numbered by its place in
    `held` (the note joins it if new), and give the reference an id of its own there."""
    link = sup.find("a")
    note = link.get("href", "")[1:] if link is not None else ""
    if link is None or link.get("class") != "footnote-ref" or note not in notes:
        return
    refs = held.setdefault(note, [])
    link.set("href", "#" + _held_id(note, footnotes, holder))
    link.text = str(list(held).index(note) + 1)
    ref_id = _held_id(sup.get("id", ""), footnotes, holder)
    sup.set("id", ref_id)
    refs.append(ref_id)


def _held_id(note_id: str, footnotes: FootnoteExtension, holder: int) -> str:
    """'fn:' + ids + label -> 'fn:' + ids + 'HOLDER-' + label (the same for 'fnref:', 'fnref2:')."""
    separator = footnotes.get_separator()
    head, _sep, rest = note_id.partition(separator)
    return f"{head}{separator}{holder}-{rest}"


def _relink_backrefs(li: etree.Element, refs: list[str], title: str) -> None:
    """One back-link per reference in this piece (the file's other references are elsewhere)."""
    backrefs = [(parent, a) for parent in li.iter() for a in parent
                if a.tag == "a" and a.get("class") == "footnote-backref"]
    if not backrefs:
        return
    holder, first = backrefs[0]
    for parent, extra in backrefs[1:]:
        parent.remove(extra)
    first.set("href", "#" + refs[0])
    first.set("title", title)
    for ref in refs[1:]:
        again = copy.deepcopy(first)
        again.set("href", "#" + ref)
        holder.append(again)


_ID_RE = re.compile(r'\bid="([^"]+)"')
_LOCAL_LINK_RE = re.compile(r'\bhref="#([^"]+)"')


def prefix_ids(html: str, prefix: str) -> str:
    """`html` with `prefix` before every id in it (footnotes, headings) and every link to one of those ids, for
    a page that shows it more than once (a node a run revisited, on the debrief). Links to ids elsewhere stay."""
    if not prefix:
        return html
    ids = set(_ID_RE.findall(html))
    if not ids:
        return html
    html = _ID_RE.sub(lambda match: f'id="{prefix}{match[1]}"', html)
    return _LOCAL_LINK_RE.sub(lambda match: f'href="#{prefix}{match[1]}"' if match[1] in ids else match[0], html)


class _MarkerProcessor(BlockProcessor):
    """Turn each marker between pieces straight into its paragraph.

    A file has a marker per piece (hundreds in a scenario); trying every block
    processor and then every inline pattern on each would cost more than the
    rest of the loader. The result is what ParagraphProcessor would make, and
    the text is plain letters and digits, so inline patterns would not change it.
    """

    def test(self, parent: etree.Element, block: str) -> bool:
        return block == _MARK and not self.parser.state.isstate("list")

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        blocks.pop(0)
        etree.SubElement(parent, "p").text = AtomicString(_MARK)


# ---------------------------------------------------------------- time budget

RENDER_BUDGET_SECONDS = 2.0  # per file; an ordinary step renders in milliseconds


class RenderTooSlow(Exception):
    """A file's Markdown did not render within its time budget."""

    def __init__(self, budget: float) -> None:
        super().__init__(f"rendering took longer than {budget:g} s")
        self.budget = budget


class _Interrupted(BaseException):
    """Raised inside a rendering thread when its time is up.

    A BaseException, so that no `except Exception` inside Python-Markdown can
    swallow it and carry on.
    """


_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.restype = ctypes.c_int


class _Alarm:
    __slots__ = ("thread", "deadline", "fired")

    def __init__(self, seconds: float) -> None:
        self.thread = threading.get_ident()
        self.deadline = time.monotonic() + seconds
        self.fired = False


class _Watchdog:
    """Interrupt a render that runs past its deadline, in whatever thread it runs.

    Python-Markdown is quadratic on some inputs (thousands of '[', '<' or
    footnote references in one paragraph, very many blocks), so one render
    can take minutes and timing it afterwards is not enough. signal.alarm
    only works in the main thread, and the app loads content in others; a
    process per file is far too slow for normal loads; checks between blocks
    would need hooks in every slow spot of Python-Markdown's internals (its
    HTML pre-parser, link and footnote handlers...). So one daemon thread
    raises _Interrupted in the rendering thread at its deadline, through
    CPython's PyThreadState_SetAsyncExc. The exception lands at the next
    Python bytecode; a single call into C (one regular-expression match) is
    not interrupted, which costs little past the budget even on a 1 MiB file
    (bench/content_load.py measures it).

    Why not switch to a linear-time parser (markdown-it-py)? The format is
    defined by how Python-Markdown reads it (4-space list nesting, sane_lists,
    footnotes, toc ids, our block and tree processors); a switch would change
    how existing content renders.

    A rendering thread only ever takes `_lock` (a plain C lock, which the
    exception cannot leave held), and the watchdog fires only while holding
    it, so an alarm disarmed in time can never fire later into other code.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._alarms: set[_Alarm] = set()
        self._next_wake = float("inf")
        self._thread: threading.Thread | None = None

    def arm(self, alarm: _Alarm) -> None:
        with self._lock:
            self._alarms.add(alarm)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lms-render-watchdog", daemon=True)
                self._thread.start()
            wake = alarm.deadline < self._next_wake
        if wake:
            self._wake.set()

    def disarm(self, alarm: _Alarm) -> bool:
        """Stop the alarm; True if it fired (its exception is cleared if still pending)."""
        with self._lock:
            self._alarms.discard(alarm)
            if alarm.fired:
                _set_async_exc(ctypes.c_ulong(alarm.thread), None)
            return alarm.fired

    def _run(self) -> None:
        while True:
            self._wake.clear()
            with self._lock:
                now = time.monotonic()
                for alarm in [a for a in self._alarms if a.deadline <= now]:
                    self._alarms.discard(alarm)
                    alarm.fired = True
                    _set_async_exc(ctypes.c_ulong(alarm.thread), ctypes.py_object(_Interrupted))
                self._next_wake = min((a.deadline for a in self._alarms), default=float("inf"))
                timeout = max(self._next_wake - now, 0.0) if self._alarms else None
            self._wake.wait(timeout)

    def after_fork(self) -> None:
        """A forked child has no watchdog thread (and maybe a held lock): start afresh."""
        self.__init__()  # type: ignore[misc]


_WATCHDOG = _Watchdog()
os.register_at_fork(after_in_child=_WATCHDOG.after_fork)


# Fenced code is found by one regular-expression search over the whole file, which
# the budget cannot interrupt: from each opening fence without its exact closing
# fence it scans to the end of the file (a 1 MiB file of fences of growing
# length took 90 s). _fence_scan_cost predicts that work, in characters scanned.
MAX_FENCE_SCAN = 5_000_000  # about half a second of that search
_FENCE_LINE_RE = re.compile(r"^(?:~{3,}|`{3,})", re.MULTILINE)


def _fence_scan_cost(text: str) -> int:
    """Characters fenced_code's search scans in vain (an over-estimate; linear time)."""
    if "```" not in text and "~~~" not in text:
        return 0
    closers: dict[str, list[int]] = {}
    openers: list[tuple[int, str, int]] = []  # (start, fence, end of line)
    for match in _FENCE_LINE_RE.finditer(text):
        end = text.find("\n", match.end())
        end = len(text) if end < 0 else end
        openers.append((match.start(), match.group(0), end))
        if not text[match.end() : end].strip(" "):
            closers.setdefault(match.group(0), []).append(match.start())
    cost, position = 0, 0
    for start, fence, end in openers:
        if start < position:
            continue  # inside a block already matched
        rest = len(text) - end
        if "hl_lines=" in text[start:end]:
            # Its quoted value may run past the line: every quote after it is a new try.
            cost += rest * (1 + text.count('"', end) + text.count("'", end))
        found = closers.get(fence, [])
        index = bisect.bisect_right(found, end)
        if index < len(found):
            position = found[index] + len(fence)
        else:
            cost += rest
    return cost


def _footnotes(md: markdown.Markdown) -> FootnoteExtension:
    return next(e for e in md.registeredExtensions if isinstance(e, FootnoteExtension))


def _convert_within(source: str, deadline: float, budget: float, language: str | None, footnote_ids: str) -> str:
    """md.convert(source), interrupted at `deadline` (a time.monotonic() value)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0 or _fence_scan_cost(source) > MAX_FENCE_SCAN:
        raise RenderTooSlow(budget)
    md = _markdown(language)
    # Set on every render, as the instance is this thread's for every file: 'fn:' + footnote_ids + '1'.
    _footnotes(md).setConfig("SEPARATOR", ":" + footnote_ids)
    alarm = _Alarm(remaining)
    html, fired = "", False
    try:
        with _cyclic_gc_paused():
            try:
                _WATCHDOG.arm(alarm)
                md.reset()
                html = md.convert(source)
            finally:
                fired = _WATCHDOG.disarm(alarm)
    except _Interrupted:
        fired = True
    if not fired:
        return html
    # Past the deadline, even if the interrupt was lost (see _cyclic_gc_paused):
    # the same answer every time, and a converter stopped half-way is not reused.
    _local.md = {}
    raise RenderTooSlow(budget)


_gc_lock = threading.Lock()
_gc_pausers = 0  # renders running now
_gc_was_enabled = True  # as the first of them found it


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a render may be interrupted.

    The collector runs weakref callbacks (SQLAlchemy's, say) in whichever thread
    allocates, and Python swallows an exception raised inside a callback: an
    interrupt landing there would be lost, and printed as "Exception ignored".
    Renders take at most their budget, so collection waits a couple of seconds.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
        _gc_pausers += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def _convert(source: str, resolver: LinkResolver | None, deadline: float, budget: float,
             language: str | None, footnote_ids: str) -> str:
    html = _convert_within(source, deadline, budget, language, footnote_ids)
    _local.resolver = resolver
    try:
        cleaned = _CLEANER.clean(html)
    finally:
        _local.resolver = None
    if resolver is not None and resolver.failure is not None:
        failure, resolver.failure = resolver.failure, None
        raise failure
    return cleaned


def render_pieces(
    pieces: Sequence[str], resolver: LinkResolver | None = None, budget: float = RENDER_BUDGET_SECONDS,
    language: str | None = None, footnote_ids: str = "", notes_to: Mapping[int, int] | None = None,
) -> list[str]:
    """Render Markdown pieces of one file to safe HTML, one string per piece.

    Whatever Markdown adds at the end of a document (footnotes) goes with the
    last piece, in the words of `language`, the file's (MARKDOWN_WORDING).
    `footnote_ids` goes into the file's footnote ids ('fn:' + footnote_ids + '1',
    'fnref:...'), so that they differ from those of another file on the same page.
    With `notes_to` (piece -> the piece whose end holds its notes; a piece not in it
    holds its own), each piece's notes go there instead, numbered and named per
    holder ('fn:' + footnote_ids + 'HOLDER-1'): for files whose pieces are shown apart.
    Raises RenderTooSlow when Markdown needs more than `budget` seconds for
    the file in all (sanitising, linear in the output, is not counted).
    """
    if not pieces:
        return []
    deadline = time.monotonic() + budget
    separator = f"\n\n{_MARK}\n\n"
    _local.notes_to = notes_to
    try:
        html = _convert(separator.join(pieces) + separator, resolver, deadline, budget, language, footnote_ids)
    finally:
        _local.notes_to = None
    parts = html.split(_MARK_HTML)
    if len(parts) == len(pieces) + 1:
        parts[-2] += parts[-1]
        return [part.strip() for part in parts[:-1]]
    if resolver is not None:
        # Rendering again would report every link problem twice.
        resolver.problems = Problems()
    result = [
        _convert(piece, resolver, deadline, budget, language,
                 footnote_ids + (f"{index}-" if notes_to is not None else "")).strip() if piece.strip() else ""
        for index, piece in enumerate(pieces)
    ]
    return result


def unwrap_paragraph(html: str) -> str:
    """'<p>text</p>' -> 'text', for inline pieces such as a choice's text."""
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


_LINK_TAG_RE = re.compile(r"</?a\b[^>]*>", re.IGNORECASE)


def without_links(html: str) -> str:
    """Inline HTML with its links taken out, their words kept: for text shown inside a button (a role-play
    choice), where a link is not allowed and a click on it would follow it instead of choosing. A footnote
    reference stays as its number; its note is listed with the node's text (see _NotesPerPiece)."""
    return _LINK_TAG_RE.sub("", html)


