"""Twine (Twee) import: real stories' shapes become valid scenarios; what cannot be converted is named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from lms.content import load_catalog
from lms.content.twee import _split_passages, convert_story, convert_twee, slugify, write_twee_scenario

SAMPLE = Path(__file__).parent / "fixtures" / "twee" / "friend-request.twee"
CORPUS = Path(__file__).parents[1] / "fixtures" / "twee"


def _import(tmp_path: Path, *stories: Path):
    """Import stories into tmp_path/scenarios; return the loaded catalog, the scenario's path and the warnings."""
    path, warnings = write_twee_scenario(list(stories), tmp_path / "scenarios")
    return load_catalog(tmp_path), path, warnings


def _scenario(markdown: str, tmp_path: Path):
    (tmp_path / "scenarios").mkdir(exist_ok=True)
    (tmp_path / "scenarios" / "s.md").write_text(markdown, encoding="utf-8")
    catalog = load_catalog(tmp_path)
    assert not catalog.has_errors, [str(p) for p in catalog.problems]
    return catalog.scenario("s")


def test_sample_story_converts_and_loads_without_errors(tmp_path):
    catalog, path, warnings = _import(tmp_path, SAMPLE)
    assert path == tmp_path / "scenarios" / "friend-request.md"
    assert not catalog.has_errors, [str(p) for p in catalog.problems]
    s = catalog.scenario("friend-request")
    assert s.title == "A friend request" and s.start == "the-request"
    assert list(s.nodes) == ["the-request", "explain", "accept", "ignore-it", "lead"]
    assert dict(s.endings) == {"pass": ("explain",), "fail": ("accept",), "neutral": ()}
    assert [c.target for c in s.node("the-request").choices] == ["explain", "accept", "ignore-it"]
    assert [(c.text_html, c.target) for c in s.node("ignore-it").choices] == [
        ("Tell your lead", "lead"), ("Accept this time", "accept")]
    joined = "\n".join(warnings)
    assert "UserScript" in joined and "(set:)" in joined and "$trust" in joined and "summary" in joined


# ---------------------------------------------------------------- 1. the start passage


@pytest.mark.parametrize(("data", "expected"), [
    ('{"start": "Other"}', "other"),  # StoryData's start
    ("{}", "start"),  # else 'Start', even when it is not first
    ('{"start": "Gone"}', "start"),  # a start that is not a passage: still 'Start'
])
def test_start_passage_rule(data, expected):
    markdown, warnings = convert_twee(f":: StoryData\n{data}\n:: First\n[[Start]]\n:: Other\nx\n:: Start\n[[Other]]\n")
    assert f"start: {expected}\n" in markdown
    assert ("StoryData start 'Gone' is not a passage; 'Start' is the start" in warnings) == ("Gone" in data)


def test_start_is_the_first_passage_without_start_or_storydata():
    markdown, _ = convert_twee(":: Intro\n[[Next]]\n:: Next\nThe end.\n")
    assert "start: intro\n" in markdown


# ---------------------------------------------------------------- 2. play again


def test_play_again_link_makes_an_ending_with_a_note(tmp_path):
    markdown, warnings = convert_twee(
        ":: Start\n[[Good]] [[Bad]]\n:: Good [pass]\nWell done.\n[[Play again->Start]]\n"
        ":: Bad\nOh no.\n(link: \"Try again\")[(restart:)]\n:: Loop\n[[Start]] or [[Good]]\n")
    s = _scenario(markdown, tmp_path)
    assert s.node("good").is_ending and s.node("bad").is_ending
    assert dict(s.endings) == {"pass": ("good",), "fail": (), "neutral": ("bad",)}
    assert [c.target for c in s.node("loop").choices] == ["start", "good"]  # another way on: kept
    assert sum("only links back to the start ('Start'), so it is an ending" in w for w in warnings) == 2
    assert all(w.startswith("note: ") for w in warnings if "only links back" in w)


# ---------------------------------------------------------------- 3. links in prose and lists


def test_links_in_sentences_keep_their_text_and_become_choices(tmp_path):
    markdown, _ = convert_twee(
        ":: Start\nYou could [[ask her directly->Ask]] or [[wait|Wait]] until morning.\n"
        "[[Ask]] | [[Wait]]\n:: Ask [pass]\nGood.\n:: Wait [fail]\nLate.\n")
    s = _scenario(markdown, tmp_path)
    start = s.node("start")
    assert "You could ask her directly or wait until morning." in start.body_html
    assert "|" not in start.body_html
    assert [(c.text_html, c.target) for c in start.choices] == [
        ("ask her directly", "ask"), ("wait", "wait"), ("Ask", "ask"), ("Wait", "wait")]


def test_links_in_a_bulleted_list_become_the_choices_without_empty_bullets(tmp_path):
    markdown, _ = convert_twee(
        ":: Start\nThings to know:\n- the member is 15\n- it is late\n\n"
        "* [[0|Right]]\n* [[1|Wrong]]\n:: Right [pass]\nYes.\n:: Wrong [fail]\nNo.\n")
    s = _scenario(markdown, tmp_path)
    assert "* [0](#right)\n* [1](#wrong)" in markdown  # another bullet than the prose list's
    assert [c.target for c in s.node("start").choices] == ["right", "wrong"]
    assert s.node("start").body_html.count("<li>") == 2


def test_lms_check_splits_lists_where_the_bullet_character_changes(tmp_path):
    s = _scenario(
        "---\ntitle: T\nsummary: S.\nendings: {pass: [b]}\n---\n## a\n- plain item\n- another\n"
        "* [Go on](#b)\n## b\nEnd.\n", tmp_path)
    assert [c.target for c in s.node("a").choices] == ["b"]
    (tmp_path / "scenarios" / "s.md").write_text(
        "---\ntitle: T\nsummary: S.\nendings: {pass: [b]}\n---\n## a\n- [Go on](#b)\n* plain item after\n## b\nEnd.\n")
    catalog = load_catalog(tmp_path)
    assert "text after the choices of node 'a'" in "\n".join(str(p) for p in catalog.problems)


# ---------------------------------------------------------------- 4. files the importer does not have


def test_scripts_images_and_templates_are_removed_with_a_warning_naming_each():
    markdown, warnings = convert_twee(
        ':: StoryData\n{"format": "Snowman"}\n:: Start\n<img src="img/a.png" alt="A">\n'
        '<script src="js/x.js"></script>\n<script>alert(1)</script>\n![Map](maps/m.png)\n'
        "<% s.x = 1 %>Hello <%= s.name %>.\n![Logo](https://example.org/logo.png)\n[[End]]\n:: End\nDone.\n")
    for gone in ("img/a.png", "js/x.js", "maps/m.png", "<%", "<script"):
        assert gone not in markdown
    assert "https://example.org/logo.png" in markdown  # a web address is not a missing file
    joined = "\n".join(warnings)
    for named in ("img 'img/a.png'", "script 'js/x.js'", "an inline <script>", "image 'maps/m.png'",
                  "template expression '<%s.x = 1%>'", "template expression '<%= s.name%>'"):
        assert f"passage 'Start': {named}" in joined


def test_files_the_importer_has_are_copied_into_a_folder_scenario(tmp_path):
    catalog, path, warnings = _import(tmp_path, CORPUS / "chapbook-handover")
    assert path == tmp_path / "scenarios" / "chapbook-handover" / "scenario.md"
    assert (path.parent / "assets" / "img" / "handover.png").read_text() == "not really a png\n"
    assert not catalog.has_errors, [str(p) for p in catalog.problems]
    assert "passage 'Handover note': image 'img/missing.png' was removed" in "\n".join(warnings)
    assert "file 'scripts/story.js' (script) was left out" in "\n".join(warnings)


# ---------------------------------------------------------------- 5. several files


def test_a_folder_is_read_as_one_story(tmp_path):
    catalog, _, _ = _import(tmp_path, CORPUS / "chapbook-handover")
    s = catalog.scenario("chapbook-handover")
    assert s.title == "Shift handover" and list(s.nodes) == ["start", "handover-note", "just-log-off"]
    assert [(c.text_html, c.target) for c in s.node("start").choices] == [
        ("Write a handover note", "handover-note"), ("Log off now", "just-log-off")]
    assert "notesRead" not in s.node("start").body_html and "[note]" not in s.node("start").body_html


def test_several_files_are_one_story_named_by_its_title(tmp_path):
    (tmp_path / "a.twee").write_text(":: StoryTitle\nTwo files\n:: Start\n[[Next]]\n")
    (tmp_path / "b.tw").write_text(":: Next [pass]\nDone.\n")
    catalog, path, _ = _import(tmp_path / "out", tmp_path / "a.twee", tmp_path / "b.tw")
    assert path.name == "two-files.md"
    assert list(catalog.scenario("two-files").nodes) == ["start", "next"]


def test_a_folder_without_twee_files_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no Twee files"):
        write_twee_scenario(tmp_path, tmp_path / "out")


# ---------------------------------------------------------------- 6. names and markup


@pytest.mark.parametrize(("name", "slug"), [
    ("Übung", "ubung"), ("Die Straße", "die-strasse"), ("Запрос в друзья", "zapros-v-druzya"),
    ("深夜的帖子", "shen-ye-de-tie-zi"), ("The Post!", "the-post"), ("  !!  ", ""),
])
def test_ids_are_transliterated(name, slug):
    assert slugify(name) == slug


def test_names_without_letters_get_numbered_ids_consistently():
    markdown, warnings = convert_twee(":: Start\n[[!!!]] [[???]]\n:: ???\nb\n:: !!!\na\n:: !!!\nduplicate\n")
    # The number is the passage's place in the story, whatever links to it first.
    assert "- [!!!](#passage-3)\n- [???](#passage-2)" in markdown
    assert "## passage-2\n" in markdown and "## passage-3\n" in markdown and "## passage-4\n" in markdown
    assert "two passages are named '!!!'; links go to the first" in warnings


def test_whitespace_in_link_targets_finds_the_passage():
    markdown, warnings = convert_twee(
        ":: Start\n[[Go->The  Kitchen ]]\n[[Back-> Hall]]\n:: The  Kitchen\nk\n:: Hall\nh\n",
    )
    assert "- [Go](#the-kitchen)\n- [Back](#hall)" in markdown
    assert not [w for w in warnings if "missing" in w]


def test_harlowe_and_sugarcube_markup_becomes_markdown(tmp_path):
    markdown, _ = convert_twee(
        ":: Start\n!! A heading\n!A top heading\n''bold'' and //italic//, not https://example.org//x\n[[End]]\n"
        ":: End\nx\n")
    assert "### A heading\n### A top heading\n**bold** and *italic*, not https://example.org//x" in markdown
    _scenario(markdown, tmp_path)


def test_link_macros_with_literal_targets_become_choices_and_others_are_named():
    markdown, warnings = convert_twee(
        ":: Start\n"
        '<<link "Ask" "Ask">><<set $a to 1>><</link>>\n'
        '<<link "Wait">><<goto "Wait">><</link>>\n'
        "<<link [[Leave|Leave]]>><</link>>\n"
        '(link-goto: "Hide", "Hide")\n'
        '(link: "Report")[(goto: "Report")]\n'
        "(link-goto: $where)\n"
        "<<link \"Somewhere\">><<goto $where>><</link>>\n"
        ":: Ask\na\n:: Wait\nw\n:: Leave\nl\n:: Hide\nh\n:: Report\nr\n")
    assert "- [Ask](#ask)\n- [Wait](#wait)\n- [Leave](#leave)\n- [Hide](#hide)\n- [Report](#report)\n" in markdown
    assert ("passage 'Start': macros <<set>>, <<link>>, (link-goto:) removed" in "\n".join(warnings)
            or "passage 'Start': macros <<set>>, <<goto>>, <<link>>, (link-goto:) removed" in "\n".join(warnings))


def test_goto_becomes_a_continue_choice_with_a_warning():
    markdown, warnings = convert_twee(':: Start\nThe phone rings.\n(goto: "Call")\n:: Call\nx\n')
    assert "- [Continue](#call)" in markdown
    assert "passage 'Start': (go-to:)/<<goto>> became a choice labelled 'Continue'; reword it" in warnings


def test_a_heading_that_would_start_a_node_is_escaped_and_missing_links_dropped():
    markdown, warnings = convert_twee(":: Start\n## Not a node\nGo [[Nowhere]].\n")
    assert "\\## Not a node\nGo Nowhere." in markdown
    assert "passage 'Start': link to missing passage 'Nowhere' was dropped" in warnings


def test_an_empty_story_is_refused():
    with pytest.raises(ValueError, match="no passages"):
        convert_story([("x.twee", ":: StoryTitle\nEmpty\n")])


# ---------------------------------------------------------------- the corpus: every story passes lms check


STORIES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() or p.suffix in (".twee", ".tw"))
# Twine's ways of linking on: when a passage holding one becomes an ending, a link was lost.
_LINKS_ON = re.compile(r"\[\[|\((?:link|click|go)[\w-]*:|<<(?:link|goto|button|choice|actions)\b"
                       r"|data-passage|\{link to", re.I)


def _false_endings(story: Path, path: Path, warnings: list[str]) -> list[str]:
    """Passages that link on in Twine but became untagged endings, other than 'play again' ones."""
    sources = [story] if story.is_file() else sorted(p for p in story.rglob("*") if p.suffix in (".twee", ".tw"))
    passages = {p.name: p for source in sources for p in _split_passages(source.read_text(encoding="utf-8-sig"))}
    markdown = path.read_text(encoding="utf-8")
    front = yaml.safe_load(markdown.split("---\n", 2)[1])
    names = dict(re.findall(r"^## (\S+)\n<!-- Twine passage: (.*) -->$", markdown, re.M))
    play_again = set(re.findall(r"^note: passage '(.*)' only links back to the start", "\n".join(warnings), re.M))
    lost = []
    for node_id in front["endings"].get("neutral", []):
        name = names.get(node_id, node_id)
        passage = passages.get(name.replace("- -", "--"))
        if passage is None or "neutral" in passage.tags or name in play_again:
            continue
        if _LINKS_ON.search(passage.text):
            lost.append(name)
    return lost


@pytest.mark.parametrize("story", STORIES)
def test_corpus_story_imports_and_passes_check(tmp_path, story):
    catalog, path, warnings = _import(tmp_path, CORPUS / story)
    assert not catalog.has_errors, [str(p) for p in catalog.problems]
    assert len(catalog.scenarios) == 1
    scenario = next(iter(catalog.scenarios.values()))
    assert scenario.endings["pass"] and scenario.endings["fail"]
    assert all(not n.is_ending or n.id in {i for ids in scenario.endings.values() for i in ids}
               for n in scenario.nodes.values())
    assert _false_endings(CORPUS / story, path, warnings) == []
    assert warnings  # every one of them uses something a scenario cannot do


def test_harlowe_corpus_story(tmp_path):
    catalog, _, warnings = _import(tmp_path, CORPUS / "harlowe-nachtschicht.twee")
    s = catalog.scenario("harlowe-nachtschicht")
    assert s.start == "start"  # 'Start', not the first passage
    assert [c.target for c in s.node("start").choices] == ["ubung", "die-strasse", "warten"]
    assert dict(s.endings) == {"pass": ("ubung",), "fail": ("warten",), "neutral": ("einleitung",)}
    assert "<strong>ein Mitglied</strong>" in s.node("start").body_html
    assert "Das Mitglied antwortet sofort." in s.node("ubung").body_html
    joined = "\n".join(warnings)
    assert "passage 'Start': img 'img/karte.png' was removed" in joined
    assert "passage 'Übung': macro (if:) removed" in joined


def test_sugarcube_and_snowman_corpus_stories(tmp_path):
    catalog, _, warnings = _import(tmp_path / "a", CORPUS / "sugarcube-druzhba.twee")
    s = catalog.scenario("sugarcube-druzhba")
    assert s.start == "zapros"
    assert [c.target for c in s.node("zapros").choices] == ["otkaz", "prinyat", "koordinator"]
    assert [c.target for c in s.node("koordinator").choices] == ["otkaz", "prinyat"]
    assert "image 'pics/zapros.jpg' was removed" in "\n".join(warnings)
    catalog, _, _ = _import(tmp_path / "b", CORPUS / "snowman-zhongwen.twee")
    s = catalog.scenario("snowman-zhongwen")
    assert s.start == "kai-shi" and list(s.nodes) == ["kai-shi", "si-xin", "deng-dai"]
    assert "你可以私信他，也可以等到早上。" in s.node("kai-shi").body_html


# ---------------------------------------------------------------- audit follow-ups


def test_harlowe_macro_names_ignore_case_dashes_and_underscores(tmp_path):
    # Harlowe 3 writes (go-to:); (goto:), (GoTo:), (link_reveal:) are the same macros to Harlowe.
    catalog, _, warnings = _import(tmp_path, CORPUS / "harlowe-go-to.twee")
    assert not catalog.has_errors, [str(p) for p in catalog.problems]
    s = catalog.scenario("harlowe-go-to")
    assert s.start == "morning"
    assert [(c.text_html, c.target) for c in s.node("morning").choices] == [
        ("Read the thread", "thread"), ("Skip it for now", "skip")]
    assert [(c.text_html, c.target) for c in s.node("thread").choices] == [
        ("Reply now", "reply"), ("Leave it to the night team", "skip")]
    assert [(c.text_html, c.target) for c in s.node("skip").choices] == [("Continue", "later")]
    assert dict(s.endings) == {"pass": ("reply",), "fail": ("later",), "neutral": ()}
    removed = "\n".join(w for w in warnings if " removed " in w)
    assert removed.startswith("passage 'Morning': macro (set:) removed")
    for name in ("go-to", "goto", "link", "link_reveal", "link-go-to", "re-start"):
        assert f"({name}:)" not in removed


def test_harlowe_click_goto_on_a_hook_becomes_a_choice_named_by_its_target():
    markdown, warnings = convert_twee(':: StoryData\n{"format": "Harlowe"}\n:: Start\n(click-goto: ?page, "Next")\n'
                                      ":: Next\nx\n")
    assert "- [Next](#next)" in markdown and not [w for w in warnings if "click" in w]


def test_a_prose_list_above_a_question_and_choices_stays_apart_from_them(tmp_path):
    for story_format in ("Snowman", "Chapbook"):
        markdown, _ = convert_twee(
            f':: StoryData\n{{"format": "{story_format}"}}\n'
            ":: Start\n- item one\n- item two\nWhat do you do?\n- [[A]]\n- [[B]]\n:: A [pass]\na\n:: B [fail]\nb\n")
        assert "- item one\n- item two\n\nWhat do you do?\n\n- [A](#a)\n- [B](#b)" in markdown
        s = _scenario(markdown, tmp_path)  # loads with no errors
        assert [c.target for c in s.node("start").choices] == ["a", "b"]
        assert "<p>What do you do?</p>" in s.node("start").body_html


def test_unquoted_sources_and_style_urls_are_removed_with_a_warning_naming_each(tmp_path):
    markdown, warnings = convert_twee(
        ':: StoryData\n{"format": "SugarCube"}\n:: Start\n<img src=img/a.png alt=A>\n'
        "<div style=\"background: url('img/bg.jpg') no-repeat; border-image: url(img/b.png)\">Shop</div>\n"
        "<span style=\"background:url(https://example.org/x.png)\">web</span>\n"
        "<script src=js/x.js></script>\n[[B]]\n:: B [pass]\nx\n")
    for gone in ("img/a.png", "img/bg.jpg", "img/b.png", "js/x.js"):
        assert gone not in markdown
    assert "https://example.org/x.png" in markdown  # a web address is not a missing file
    joined = "\n".join(warnings)
    for named in ("img 'img/a.png' was removed", "style image 'img/bg.jpg' was removed",
                  "style image 'img/b.png' was removed", "script 'js/x.js' was removed"):
        assert f"passage 'Start': {named}" in joined
    _scenario(markdown, tmp_path)


def test_an_unquoted_source_the_importer_has_is_copied(tmp_path):
    story = tmp_path / "story"
    (story / "img").mkdir(parents=True)
    (story / "img" / "a.png").write_text("png\n")
    (story / "s.twee").write_text(':: StoryData\n{"format": "SugarCube"}\n:: Start\n<img src=img/a.png alt="A">\n'
                                  "[[B]]\n:: B [pass]\nx\n")
    catalog, path, _ = _import(tmp_path, story)
    assert not catalog.has_errors, [str(p) for p in catalog.problems]
    assert '<img src="assets/img/a.png" alt="A">' in path.read_text()


def test_sugarcube_numbered_lists_and_underline(tmp_path):
    markdown, _ = convert_twee(
        ':: StoryData\n{"format": "SugarCube"}\n:: Start\nSteps:\n# Listen\n# Ask\n## Gently\nThen __decide__.\n'
        "[[B]]\n:: B [pass]\nx\n")
    assert "Steps:\n\n1. Listen\n1. Ask\n    1. Gently\n\nThen <u>decide</u>." in markdown
    html = _scenario(markdown, tmp_path).node("start").body_html
    assert "<h1>" not in html and "<strong>" not in html
    assert "<ol>\n<li>Listen</li>" in html and "<u>decide</u>" in html


def test_other_formats_keep_hash_headings_and_double_underscores():
    markdown, _ = convert_twee(':: StoryData\n{"format": "Snowman"}\n:: Start\n# Title\n__strong__\n[[B]]\n:: B\nx\n')
    assert "# Title\n__strong__" in markdown
