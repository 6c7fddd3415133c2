"""Hostile and random input: problems, never exceptions, never hangs."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.content import load_catalog
from lms.content.check import run_check

from .conftest import COURSE_MD, SCENARIO_MD, course, find, write_tree

SLOW = {
    "brackets": "[a](" * 50_000,
    "footnote refs": "[^" * 50_000,
    "tags": "<a" * 100_000,
    "emphasis": "*a" * 100_000 + "_" * 50_000,
    "nested quotes": ">" * 50_000,
    "nested numbers": "1. " * 50_000,
    "deep indent": "".join("  " * i + "- x\n" for i in range(600)),
    "many items": "- x\n" * 100_000,
    "heading spaces": "## " + " " * 200_000 + "x",
    "heading hashes": "## " + "a #" * 100_000,
    "link defs": "]:" + " " * 200_000,
    "handlers": "<a " + "onx" * 100_000,
    "choice brackets": "- [" + "[" * 100_000 + "](#x)",
    "annotations": "- [a](#b) (" + "x," * 50_000 + ")",
}


@pytest.mark.parametrize("body", SLOW.values(), ids=SLOW.keys())
def test_adversarial_bodies_load_quickly(tmp_path, body):
    root = write_tree(tmp_path, course({"1-a.md": body}) | {
        "scenarios/s.md": "---\ntitle: t\nsummary: s\nendings: {pass: [b]}\n---\n## a\n" + body + "\n## b\n",
    })
    started = time.perf_counter()
    catalog = load_catalog(root)
    assert time.perf_counter() - started < 6
    assert not [p for p in catalog.problems if "internal error" in p.message]
    assert len(catalog.problems) < 50


def test_refusals_say_where(load):
    catalog = load(course({"1-a.md": "ok\n\n" + "[a](" * 5000, "2-b.md": "x\n" + ">" * 100}))
    find(catalog, "courses/listening/1-a.md", 3, "too many '['")
    find(catalog, "courses/listening/2-b.md", 2, "nested more than 16 deep")


def test_internal_errors_become_problems(load, monkeypatch):
    import lms.content.loader as loader

    def boom(*args, **kwargs):
        raise ValueError("kaboom")

    monkeypatch.setattr(loader, "parse_step_body", boom)
    catalog = load(course({"1-a.md": "x", "2-b.md": "y"}))
    find(catalog, "courses/listening/1-a.md", 0, "internal error reading this file: ValueError: kaboom")
    find(catalog, "courses/listening/2-b.md", 0, "internal error")
    assert catalog.courses == {}


FRONT_KEYS = st.sampled_from(["title", "summary", "minutes", "requires", "certificate", "endings", "start",
                              "scenario", "assessment", "attempts", "pass_score", "content_notes", "x"])
YAMLISH = st.text(alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"#\n ,.?%@`0123456789")), max_size=200)
MARKDOWNISH = st.lists(
    st.sampled_from(list("ab #-*[]()<>!`~|:>+\n\t 01x_^&;=\"'/.") + [
        "```question", "```reflection", "```", "- [x] ", "- [ ] ", "  > ", "## n", "## m", "(+1, red line)",
        "(if n)", "](#n)", "](#m)", "](../x.md)", "](assets/x)", "\r\n", "\ufeff", "\n\n", "Content note: ",
        "<script>", "---\n", "id=q", "\u00e9",
    ]),
    max_size=120,
).map("".join)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check_never_raises(tmp_path, files):
    root = write_tree(tmp_path, files)
    catalog = load_catalog(root)
    assert not [p for p in catalog.problems if "internal error" in p.message], catalog.problems
    lines: list[str] = []
    assert run_check(root, lines.append) in (0, 1)


@SETTINGS
@given(front=YAMLISH, body=MARKDOWNISH)
def test_random_step_files(tmp_path_factory, front, body):
    tmp = tmp_path_factory.mktemp("step")
    _check_never_raises(tmp, course({"1-a.md": f"---\n{front}\n---\n{body}", "2-b.md": body}))


@SETTINGS
@given(text=MARKDOWNISH)
def test_random_course_md(tmp_path_factory, text):
    _check_never_raises(tmp_path_factory.mktemp("course"), course({"1-a.md": "x"}, course_md=text))


@SETTINGS
@given(body=MARKDOWNISH, key=FRONT_KEYS, value=YAMLISH)
def test_random_scenarios(tmp_path_factory, body, key, value):
    front = SCENARIO_MD.split("---\n")[1]
    text = f"---\n{front}{key}: {value}\n---\n{body}"
    _check_never_raises(tmp_path_factory.mktemp("scenario"), {"scenarios/s.md": text, "scenarios/t.md": body})


@SETTINGS
@given(data=st.binary(max_size=300))
def test_random_bytes(tmp_path_factory, data):
    _check_never_raises(tmp_path_factory.mktemp("bytes"), course({"1-a.md": data}) | {"scenarios/s.md": data})  # type: ignore[dict-item]


def test_sample_course_md_is_valid(load):
    assert not load(course({"1-a.md": "x"}, course_md=COURSE_MD)).problems
