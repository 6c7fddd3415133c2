"""Twine (Twee 3) import: the result loads as a valid scenario."""

from __future__ import annotations

from pathlib import Path

from lms.content import load_catalog
from lms.content.twee import convert_twee, slugify, write_twee_scenario

SAMPLE = Path(__file__).parent / "fixtures" / "twee" / "friend-request.twee"


def test_sample_story_converts_and_loads_without_errors(tmp_path):
    path, warnings = write_twee_scenario(SAMPLE, tmp_path / "scenarios")
    assert path == tmp_path / "scenarios" / "friend-request.md"
    catalog = load_catalog(tmp_path)
    assert not catalog.has_errors, [str(p) for p in catalog.problems]
    s = catalog.scenario("friend-request")
    assert s.title == "A friend request" and s.start == "the-request"
    assert list(s.nodes) == ["the-request", "explain", "accept", "ignore-it", "lead"]
    assert dict(s.endings) == {"pass": ("explain",), "fail": ("accept",), "neutral": ()}
    request = s.node("the-request")
    assert [(c.text_html, c.target) for c in request.choices] == [
        ("Decline and explain on the platform", "explain"),
        ("Accept it, they\u2019re lonely", "accept") if "\u2019" in request.choices[1].text_html
        else ("Accept it, they're lonely", "accept"),
        ("Ignore it", "ignore-it"),
    ]
    assert [(c.text_html, c.target) for c in s.node("ignore-it").choices] == [
        ("Tell your lead", "lead"), ("Accept this time", "accept")]
    assert "(set:" not in request.body_html and "friend request on Instagram" in request.body_html
    joined = "\n".join(warnings)
    assert "UserScript" in joined and "(set:)" in joined and "$trust" in joined and "summary" in joined


def test_link_syntaxes_tags_and_warnings():
    source = (
        ':: StoryTitle\nT\n\n:: StoryData\n{"start": "Begin"}\n\n'
        ":: Begin [intro]\n<<set $x to 1>>Go [[A]] or [[to b->B node]] or [[B node<-back]] or [[C|C]] {hook}\n"
        ":: A\n## Not a node heading\nEnd A.\n:: B node [fail]\nEnd B.\n:: C [neutral]\nEnd C [[Missing]]\n"
    )
    markdown, warnings = convert_twee(source)
    assert "start: begin" in markdown
    assert "- [A](#a)\n- [to b](#b-node)\n- [back](#b-node)\n- [C](#c)" in markdown
    assert "\\## Not a node heading" in markdown
    assert "fail: [b-node]" in markdown and "neutral: [a, c]" in markdown
    joined = "\n".join(warnings)
    assert "<<set>>" in joined and "{...}" in joined and "missing passage 'Missing'" in joined


def test_duplicate_slugs_get_suffixes():
    markdown, _ = convert_twee(":: The End\nx\n:: the end!\ny\n")
    assert "## the-end\n" in markdown and "## the-end-2\n" in markdown
    assert slugify("  !!  ") == "node"


def test_converted_story_loads(tmp_path):
    markdown, _ = convert_twee(":: Start\n[[Left]] [[Right]]\n:: Left [pass]\nWell done.\n:: Right [fail]\nOh no.\n")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "s.md").write_text(markdown)
    catalog = load_catalog(tmp_path)
    assert not catalog.problems, [str(p) for p in catalog.problems]
