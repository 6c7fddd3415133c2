"""Export to Twine and import back: the scenario loads identically (the round trip of issue 19)."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lms.content import Scenario, load_catalog
from lms.content.translations import split_translation
from lms.content.twee import write_twee_scenario
from lms.content.twee_export import export_twee, scenario_source, translation_files, write_twee

SAMPLES = Path(__file__).parents[2] / "scenarios"


def _comparable(scenario: Scenario) -> tuple[dict[str, object], dict[str, object]]:
    """Everything a scenario loads as, without where it came from (path, line numbers); translations too."""
    nodes = {
        node_id: dataclasses.replace(
            node, line=0, choices=tuple(dataclasses.replace(c, line=0) for c in node.choices))
        for node_id, node in scenario.nodes.items()
    }
    fields = {f.name: getattr(scenario, f.name) for f in dataclasses.fields(scenario)
              if f.init and f.name not in ("path", "assets_dir", "nodes", "translations")}
    fields["translations"] = {lang: _comparable(t) for lang, t in scenario.translations.items()}
    fields["endings"] = dict(scenario.endings)
    fields["skills"] = dict(scenario.skills)
    return fields, nodes


def _round_trip(source: Path, work: Path) -> tuple[Scenario, Scenario, list[str]]:
    """Load `source` (a scenario file or folder), export it, import the export; both loaded."""
    scenario_id = source.name if source.is_dir() else source.stem
    original = load_catalog(source.parent.parent if source.is_dir() else source.parent.parent)
    assert not original.has_errors, [str(p) for p in original.problems]
    story = work / "twine" / f"{scenario_id}.twee"
    translations = translation_files(scenario_source(source))
    assert write_twee(source, story) == [
        f"translation '{name}' was not exported (Twine has one language); it still pairs with the scenario's node "
        "ids, so keep it beside the scenario you import back and run `lms check`" for name in translations]
    path, warnings = write_twee_scenario(story, work / "back" / "scenarios")
    # As the warning says: the translations go beside the scenario that comes back, and still pair with it.
    for name in translations:
        language = name.split(".")[-2]
        shutil.copy(scenario_source(source).parent / name, path.with_name(f"{path.stem}.{language}.md"))
    # Organisation variables and snippets stay placeholders in the story: the folder it
    # comes back to has the same org.yaml (and org.LANG.yaml) and _snippets/ as the one it left.
    root = source.parent.parent
    for org_file in root.glob("org*.yaml"):  # org.yaml, and each language's org.LANG.yaml
        shutil.copy(org_file, work / "back" / org_file.name)
    if (root / "_snippets").is_dir():
        shutil.copytree(root / "_snippets", work / "back" / "_snippets")
    back = load_catalog(work / "back")
    assert not back.has_errors, [str(p) for p in back.problems]
    return original.scenario(scenario_id), back.scenario(scenario_id), warnings


SAMPLE_NAMES = sorted(p.name for p in SAMPLES.iterdir()
                      if (p.is_dir() and (p / "scenario.md").is_file())
                      or (p.suffix == ".md" and split_translation(p.name) is None))


def test_every_sample_scenario_is_in_the_round_trip():
    assert len(SAMPLE_NAMES) == len(load_catalog(SAMPLES.parent).scenarios) >= 5


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_scenarios_survive_the_round_trip(tmp_path, name):
    before, after, warnings = _round_trip(SAMPLES / name, tmp_path)
    assert _comparable(after) == _comparable(before)
    assert warnings == []


def test_export_names_the_translations_it_leaves_out():
    _, warnings = export_twee(SAMPLES / "heated-thread.md")
    assert [w for w in warnings if "heated-thread.cy.md" in w] == [
        "translation 'heated-thread.cy.md' was not exported (Twine has one language); it still pairs with the "
        "scenario's node ids, so keep it beside the scenario you import back and run `lms check`"]


def test_export_is_twee_3_with_a_fresh_ifid_and_tagged_endings():
    first, _ = export_twee(SAMPLES / "friend-request.md")
    second, _ = export_twee(SAMPLES / "friend-request.md")
    data = json.loads(first.split(":: StoryData\n", 1)[1].split("\n\n", 1)[0])
    assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}", data["ifid"])
    assert data["ifid"] not in second
    assert data["format"] == "Snowman" and data["start"]
    assert first.startswith(":: StoryTitle\n")
    assert re.search(r"^:: \S+ \[pass\] \{\"position\":\"\d+,\d+\",\"size\":\"100,100\"\}$", first, re.M)
    assert ":: Scenario settings [lms-scenario]" in first and "summary:" in first
    assert "- [[" in first and "](#" not in first.split(":: Scenario settings", 1)[1].split("\n::", 2)[2]


def test_export_escapes_lines_that_look_like_passage_headers(tmp_path):
    path = tmp_path / "s.md"
    path.write_text("---\ntitle: T\nsummary: S.\nendings: {pass: [b]}\n---\n## a\nx\n\n::: if b\nSeen.\n:::\n\n"
                    "- [Go](#b)\n## b\nEnd.\n")
    text, warnings = export_twee(path)
    assert "\n\\::: if b\nSeen.\n\\:::\n" in text and warnings == []


def test_export_of_a_broken_scenario_says_so(tmp_path):
    path = tmp_path / "s.md"
    path.write_text("---\ntitle: T\nsummary: S.\nendings: {pass: [b]}\n---\n## a\n- [Go](#b) (+2, bogus)\n## b\nEnd.\n")
    _, warnings = export_twee(path)
    assert warnings[0] == "the scenario has errors (run `lms check`); it was exported as it is"
    with pytest.raises(ValueError, match="has no front matter"):
        (tmp_path / "n.md").write_text("## a\nx\n")
        export_twee(tmp_path / "n.md")


# ---------------------------------------------------------------- generated scenarios

IDS = ["the-post", "reach-out", "wait", "ask-directly", "escalate", "hide-post", "log-off", "good-end"]
WORDS = st.sampled_from([
    "member", "posts", "at", "night", "kindly", "*gently*", "**now**", "it's", "''quoted''", "//slashes//",
    "(maybe)", "Übung", "直接", "a|b", "x->y", "$5", "{braces}", "100%", "\\[1\\]", "<<not>>", "(set: x)",
])


def _sentence(draw: st.DrawFn) -> str:
    return " ".join(draw(st.lists(WORDS, min_size=1, max_size=6)))


@st.composite
def scenarios(draw: st.DrawFn) -> str:
    count = draw(st.integers(2, len(IDS)))
    ids = IDS[:count]
    skills = draw(st.lists(st.sampled_from(["listening", "escalation"]), unique=True, max_size=2))
    endings: dict[str, list[str]] = {"pass": [], "fail": [], "neutral": []}
    sections = []
    for index, node_id in enumerate(ids):
        # Choices only lead forward, so every node reaches an ending (no traps); the last is an ending.
        ending = index == count - 1 or (index > 0 and draw(st.booleans()))
        lines = [f"## {node_id}"]
        if draw(st.booleans()):
            lines += ["Content note: self-harm, " + draw(st.sampled_from(["suicide", "abuse"])), ""]
        lines.append(_sentence(draw))
        if draw(st.booleans()):
            lines += ["", f"> **nightowl22** (02:{index:02d}): {_sentence(draw)}"]
        if draw(st.booleans()):
            lines += ["", f"::: if {'not ' if draw(st.booleans()) else ''}{draw(st.sampled_from(ids))}",
                      _sentence(draw), ":::"]
        if not ending and draw(st.booleans()):
            lines += ["", "* a plain point", "* another point"]  # a list right above the choices
        if ending:
            endings[draw(st.sampled_from(["pass", "fail", "neutral"]))].append(node_id)
        else:
            lines.append("")
            for target in draw(st.lists(st.sampled_from(ids[index + 1 :]), min_size=1, max_size=3)):
                notes = []
                score = draw(st.integers(-3, 3))
                if score or draw(st.booleans()):
                    notes.append(f"{score:+d}" if score else "0")
                if draw(st.booleans()):
                    notes.append("red line")
                if draw(st.booleans()):
                    notes.append("pin")
                notes += [f"skill {name}" for name in skills if draw(st.booleans())]
                if draw(st.integers(0, 3)) == 0:
                    notes.append(f"if {'not ' if draw(st.booleans()) else ''}{draw(st.sampled_from(ids))}")
                lines.append(f"- [{_sentence(draw)}](#{target})" + (f" ({', '.join(notes)})" if notes else ""))
                if draw(st.booleans()):
                    lines.append(f"  > {_sentence(draw)}")
                    if draw(st.booleans()):
                        lines += ["  >", f"  > ::: if {draw(st.sampled_from(ids))}", f"  > {_sentence(draw)}",
                                  "  > :::"]
        sections.append("\n".join(lines))
    front = ["title: " + draw(st.sampled_from(["Night shift", "Ein Übungsfall", "'A: colon'"])),
             "summary: A scenario made up for the round trip.",
             "endings: {" + ", ".join(f"{k}: [{', '.join(v)}]" for k, v in endings.items() if v) + "}"]
    if draw(st.booleans()):
        front.append(f"start: {ids[0]}")
    if skills:
        front.append("skills: {" + ", ".join(f"{name}: {name.title()}" for name in skills) + "}")
    if endings["pass"] and draw(st.booleans()):
        front.append(f"pass_score: {draw(st.integers(-2, 4))}")
    if draw(st.booleans()):
        front.append(f"pass_forbids: [{draw(st.sampled_from(ids[1:]))}]")
    if draw(st.booleans()):
        front += ["shuffle: false", "topic: boundaries", "reviewed: 2025-01-15", "content_notes: [suicide]"]
    briefing = _sentence(draw) if draw(st.booleans()) else ""
    return "---\n" + "\n".join(front) + "\n---\n" + briefing + "\n\n" + "\n\n".join(sections) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_generated_scenarios_survive_the_round_trip(markdown):
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = work / "content" / "scenarios" / "generated.md"
        source.parent.mkdir(parents=True)
        source.write_text(markdown, encoding="utf-8")
        original = load_catalog(work / "content")
        assume(not original.has_errors)  # e.g. pass_score with no pass ending reachable
        before, after, warnings = _round_trip(source, work)
        assert _comparable(after) == _comparable(before)
        assert warnings == []


def test_the_twee_commands_say_what_is_wrong_with_a_path_not_a_python_error(tmp_path):
    from click.testing import CliRunner

    from lms.cli import main

    course = tmp_path / "courses" / "a-course"
    course.mkdir(parents=True)
    exported = CliRunner().invoke(main, ["export-twee", str(course)])
    assert exported.exit_code == 1 and "is not a scenario: give a scenario's .md file" in exported.output
    assert "Errno" not in exported.output
    story = tmp_path / "story.twee"
    story.write_bytes(b"\xff\xfe:: Start\nHello\n")
    imported = CliRunner().invoke(main, ["import-twee", str(story), "-o", str(tmp_path / "out")])
    assert imported.exit_code == 1 and f"{story} is not UTF-8 text (byte 0xff)" in imported.output
    assert "codec" not in imported.output
