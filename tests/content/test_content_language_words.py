"""Words the content does not write itself, in the language of the text around them.

Python-Markdown's footnote back-link tooltip, and the list `{{ support.contacts }}` becomes, are put into a
course's HTML when the content loads; a Welsh translation gets them in Welsh (lms.content.render's
MARKDOWN_WORDING; the contacts the app gives for each language), the originals keep theirs.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from lms.content import load_catalog
from lms.content.markdown import render_pieces

FIXTURE = Path(__file__).parents[1] / "fixtures" / "welsh_words"
ENGLISH_TITLE = 'title="Jump back to footnote 1 in the text"'
WELSH_TITLE = 'title="Neidio’n ôl at droednodyn 1 yn y testun"'

ENGLISH_CONTACTS = [{"name": "Samaritans", "contact": "116 123", "when": "Free, any time."}]
WELSH_CONTACTS = [{"name": "Y Samariaid", "contact": "116 123", "when": "Am ddim, unrhyw bryd."}]


def _load(root: Path = FIXTURE, **kwargs):
    catalog = load_catalog(root, **kwargs)
    assert not catalog.errors, catalog.errors
    return catalog


def test_a_welsh_step_says_where_its_footnote_links_go_in_welsh():
    catalog = _load(language="en")
    english = catalog.course("safety").step("help")
    welsh = catalog.localised("cy").course("safety").step("help")
    assert ENGLISH_TITLE in english.body_html and "Jump back" not in welsh.body_html
    assert WELSH_TITLE in welsh.body_html and welsh.language == "cy"
    # The footnote itself still works: its reference and its way back.
    assert 'href="#fn:1"' in welsh.body_html and 'href="#fnref:1"' in welsh.body_html


def test_an_untranslated_step_keeps_the_english_of_its_text_on_a_welsh_course():
    """Shown in English (marked lang="en" by the page), its footnote link's tooltip is English too."""
    notes = _load(language="en").localised("cy").course("safety").step("notes")
    assert notes.language is None and ENGLISH_TITLE in notes.body_html and "Neidio" not in notes.body_html


def test_originals_written_in_welsh_get_welsh_footnote_links(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    for translated in root.rglob("*.cy.md"):
        translated.unlink()
    original = _load(root, language="cy").course("safety").step("help")
    assert WELSH_TITLE in original.body_html


def test_the_wording_follows_the_language_and_falls_back_to_english():
    source = ["Text.[^a]\n\n[^a]: A note."]
    assert WELSH_TITLE in render_pieces(source, language="cy-GB")[0]
    assert ENGLISH_TITLE in render_pieces(source, language="fr")[0]
    assert ENGLISH_TITLE in render_pieces(source)[0]
    # One converter per wording per thread: rendering Welsh leaves English as it was.
    assert ENGLISH_TITLE in render_pieces(source, language="en")[0]


def test_support_contacts_in_a_translation_are_in_its_language():
    catalog = _load(support_contacts=ENGLISH_CONTACTS, support_contacts_by_language={"cy": WELSH_CONTACTS},
                    language="en")
    english = catalog.course("safety").step("help").body_html
    welsh = catalog.localised("cy").course("safety").step("help").body_html
    assert "<strong>Samaritans</strong>: 116 123 (Free, any time.)" in english and "Samariaid" not in english
    assert "<strong>Y Samariaid</strong>: 116 123 (Am ddim, unrhyw bryd.)" in welsh and "Free, any time" not in welsh
    briefing = catalog.localised("cy").scenario("night").briefing_html
    assert "Y Samariaid" in briefing and "Samaritans" not in briefing
    assert "Samaritans" in catalog.scenario("night").briefing_html


WELSH_LIST = '<ul class="support-contacts" lang="cy"><li><strong>Y Samariaid</strong>: 116 123 (Am ddim, unrhyw bryd.)'


def test_text_not_translated_lists_the_contacts_in_the_readers_language_marked_as_such():
    """English words on a Welsh page, but the contacts someone in distress reads are Welsh, marked lang="cy"."""
    catalog = _load(support_contacts=ENGLISH_CONTACTS, support_contacts_by_language={"cy": WELSH_CONTACTS},
                    language="en")
    welsh = catalog.localised("cy")
    notes = welsh.course("safety").step("notes")  # a step of a Welsh course with no translation yet
    assert notes.language is None and "Keep a note of every call." in notes.body_html
    assert WELSH_LIST in notes.body_html and "Samaritans" not in notes.body_html and ENGLISH_TITLE in notes.body_html
    basics = welsh.course("basics")  # a course with no Welsh at all
    assert basics.language is None and basics.title == "Listening basics"
    assert WELSH_LIST in basics.step("welcome").body_html
    # The translated step keeps its own list, unmarked: it is Welsh like the text around it.
    help_html = welsh.course("safety").step("help").body_html
    assert '<ul class="support-contacts"><li><strong>Y Samariaid</strong>' in help_html and 'lang="cy"' not in help_html
    # English readers, and the originals, are untouched.
    english = catalog.localised("en")
    for html in (english.course("basics").step("welcome").body_html, catalog.course("safety").step("notes").body_html):
        assert "<strong>Samaritans</strong>" in html and "Samariaid" not in html
    assert catalog.course("safety").step("notes") is english.course("safety").step("notes")


def test_a_role_play_with_no_translation_lists_the_contacts_in_the_readers_language(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    (root / "scenarios" / "night.cy.md").unlink()
    catalog = _load(root, support_contacts=ENGLISH_CONTACTS, support_contacts_by_language={"cy": WELSH_CONTACTS})
    night = catalog.localised("cy").scenario("night")
    assert night.language is None and night.title == "A night shift"
    assert WELSH_LIST in night.briefing_html and "Before you start" in night.briefing_html
    assert night.nodes.keys() == catalog.scenario("night").nodes.keys()


def test_a_charitys_own_contacts_are_left_as_written_everywhere():
    catalog = _load(support_contacts=ENGLISH_CONTACTS, support_contacts_by_language={"cy": ENGLISH_CONTACTS})
    assert catalog.localised("cy").course("basics") is catalog.course("basics")
    assert 'lang="cy"' not in catalog.localised("cy").course("safety").step("notes").body_html


def test_a_language_the_app_gave_no_contacts_for_shows_them_as_configured():
    catalog = _load(support_contacts=ENGLISH_CONTACTS, support_contacts_by_language={"pa": WELSH_CONTACTS})
    assert "<strong>Samaritans</strong>" in catalog.localised("cy").course("safety").step("help").body_html


class Memory:
    """A render cache in memory that counts its hits."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}
        self.hits = 0

    def get(self, key: str) -> bytes | None:
        self.hits += key in self.entries
        return self.entries.get(key)

    def put(self, key: str, data: bytes) -> None:
        self.entries[key] = data


def test_a_warm_load_lists_the_readers_contacts_in_untranslated_text_too():
    cache = Memory()
    settings = {"support_contacts": ENGLISH_CONTACTS, "support_contacts_by_language": {"cy": WELSH_CONTACTS},
                "language": "en", "cache": cache}
    _load(**settings)
    assert cache.hits == 0
    warm = _load(**settings).localised("cy")
    assert cache.hits == 4  # three courses and a scenario, none read again
    assert WELSH_LIST in warm.course("safety").step("notes").body_html
    assert WELSH_LIST in warm.course("basics").step("welcome").body_html


def test_the_render_cache_tells_the_contacts_of_each_language_apart(tmp_path):
    cache = Memory()
    _load(support_contacts=ENGLISH_CONTACTS, support_contacts_by_language={"cy": ENGLISH_CONTACTS}, cache=cache)
    again = _load(support_contacts=ENGLISH_CONTACTS, support_contacts_by_language={"cy": WELSH_CONTACTS}, cache=cache)
    assert "Y Samariaid" in again.localised("cy").course("safety").step("help").body_html
    welsh_originals = _load(support_contacts=ENGLISH_CONTACTS, support_contacts_by_language={"cy": WELSH_CONTACTS},
                            cache=cache, language="cy")
    assert WELSH_TITLE in welsh_originals.course("safety").step("notes").body_html


def _with_snippet(tmp_path: Path, translated: bool) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    (root / "_snippets").mkdir()
    (root / "_snippets" / "call.md").write_text("Call us any time.[^n]\n\n[^n]: Free.\n\n{{ support.contacts }}\n")
    if translated:
        (root / "_snippets" / "call.cy.md").write_text(
            "Ffoniwch ni unrhyw bryd.[^n]\n\n[^n]: Am ddim.\n\n{{ support.contacts }}\n")
    step = root / "courses" / "safety" / "1-help.cy.md"
    step.write_text(step.read_text() + "\n{{> call }}\n")
    return root


def test_a_welsh_snippet_in_a_welsh_step_has_welsh_words_throughout(tmp_path):
    catalog = _load(_with_snippet(tmp_path, translated=True), support_contacts=ENGLISH_CONTACTS,
                    support_contacts_by_language={"cy": WELSH_CONTACTS}, language="en")
    html = catalog.localised("cy").course("safety").step("help").body_html
    assert '<div class="snippet">' in html and "Ffoniwch ni" in html
    assert "Jump back" not in html and "Samaritans" not in html and html.count("Y Samariaid") == 2


def test_an_untranslated_snippet_in_a_welsh_step_is_marked_as_english(tmp_path):
    catalog = _load(_with_snippet(tmp_path, translated=False), support_contacts=ENGLISH_CONTACTS,
                    support_contacts_by_language={"cy": WELSH_CONTACTS}, language="en")
    html = catalog.localised("cy").course("safety").step("help").body_html
    snippet = html[html.index('<div class="snippet" lang="en">'):]
    assert "Call us any time." in snippet and ENGLISH_TITLE in snippet
    # Its contacts are the reader's, marked as Welsh inside the English.
    assert '<ul class="support-contacts" lang="cy"><li><strong>Y Samariaid</strong>' in snippet
    assert "Samaritans" not in snippet
    # The step's own footnotes, after it, stay Welsh.
    assert WELSH_TITLE in html[html.index("</div>", html.index('<div class="snippet"')):]
    # An English page including it needs no mark.
    original = _with_snippet_in_original(tmp_path)
    assert '<div class="snippet">' in original and 'class="snippet" lang' not in original


def _with_snippet_in_original(tmp_path: Path) -> str:
    root = tmp_path / "content"
    step = root / "courses" / "safety" / "1-help.md"
    step.write_text(step.read_text() + "\n{{> call }}\n")
    return _load(root, language="en").course("safety").step("help").body_html


def test_a_course_listing_the_contacts_only_through_a_snippet_gets_the_readers_too(tmp_path):
    root = _with_snippet(tmp_path, translated=False)
    (root / "courses" / "basics" / "1-welcome.md").write_text("---\ntitle: Welcome\n---\nWelcome.\n\n{{> call }}\n")
    cache = Memory()
    for _ in range(2):  # cold, then warm
        catalog = _load(root, support_contacts=ENGLISH_CONTACTS, support_contacts_by_language={"cy": WELSH_CONTACTS},
                        language="en", cache=cache)
        welcome = catalog.localised("cy").course("basics").step("welcome").body_html
        assert "Call us any time." in welcome and WELSH_LIST in welcome and "Samaritans" not in welcome
    assert cache.hits
