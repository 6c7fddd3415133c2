"""Hostile and random input: problems, never exceptions, never hangs."""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.content import Catalog, load_catalog
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
    catalog = load_catalog(root, render_budget=SMALL_BUDGET)
    assert not [p for p in catalog.problems if "internal error" in p.message]
    assert len(catalog.problems) < 50


# Small, so that each refusal costs the test a fraction of a second; the default is 2 s.
SMALL_BUDGET = 0.05
TOO_SLOW = "this file takes too long to render"
# Each takes Python-Markdown many times SMALL_BUDGET, even on a fast, quiet machine (from about a third of a
# second to minutes).
PATHOLOGICAL = {
    # 128 KB of backtick runs with no matching closers, in one paragraph (32 KB took 0.08 s on a fast machine:
    # too close to the budget to be refused every time).
    "backticks": "Intro.\n\n" + ("`` ` ``` ` " * 12_000)[:128 * 1024] + "\n",
    "brackets": "Intro.\n\n" + "[a " * 20_000 + "\n",
    "footnote refs": "x[^" * 50_000 + "\n",
    "tags": "<a " * 20_000 + "\n",
}


@pytest.mark.parametrize("body", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_a_file_too_slow_to_render_is_refused_at_its_path(tree, body):
    root = tree(
        course({"1-a.md": "Fine.", "2-b.md": body}, course_id="slow")
        | course({"1-a.md": "Fine too[^1].\n\n[^1]: A note."})
        | {"scenarios/s.md": SCENARIO_MD.replace("Someone posts.", body), "scenarios/t.md": SCENARIO_MD}
    )
    catalog = load_catalog(root, render_budget=SMALL_BUDGET)
    problem = find(catalog, "courses/slow/2-b.md", 0, TOO_SLOW, "error")
    assert "split it" in problem.message and f"more than {SMALL_BUDGET:g} s" in problem.message
    find(catalog, "scenarios/s.md", 0, TOO_SLOW, "error")
    assert sorted(catalog.courses) == ["listening"] and sorted(catalog.scenarios) == ["t"]
    assert catalog.errors == tuple(p for p in catalog.problems if TOO_SLOW in p.message)
    # The thread's Markdown was stopped half-way; what renders after it is whole.
    assert 'class="footnote"' in catalog.courses["listening"].steps[0].body_html


def test_course_and_module_intros_are_bounded_too(tree):
    body = "[a " * 20_000
    root = tree(course({"01-part/module.md": "---\ntitle: P\n---\n" + body, "01-part/01-a.md": "Fine."},
                       course_md=COURSE_MD + body))
    catalog = load_catalog(root, render_budget=SMALL_BUDGET)
    find(catalog, "courses/listening/course.md", 0, TOO_SLOW)
    find(catalog, "courses/listening/01-part/module.md", 0, TOO_SLOW)
    assert not catalog.courses


def test_the_budget_holds_in_a_worker_thread(tree):
    """The app loads content outside the main thread, where signal.alarm cannot reach."""
    root = tree(course({"1-a.md": "[a " * 20_000}))
    result: list[Catalog] = []
    worker = threading.Thread(target=lambda: result.append(load_catalog(root, render_budget=SMALL_BUDGET)))
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()
    find(result[0], "courses/listening/1-a.md", 0, TOO_SLOW)


def test_unclosed_fences_are_refused_before_rendering(tree):
    # Fences of growing length never close; Python-Markdown would scan the file from each one.
    body = "".join("`" * n + "\n" for n in range(3, 1400))
    catalog = load_catalog(tree(course({"1-a.md": body})), render_budget=60)
    find(catalog, "courses/listening/1-a.md", 0, TOO_SLOW)


def test_ordinary_fences_and_footnotes_still_render(load):
    body = "```\ncode\n```\n\n~~~~ python\nmore\n~~~~\n\nSee[^note].\n\n[^note]: Here.\n"
    html = load(course({"1-a.md": body})).courses["listening"].steps[0].body_html
    assert "<pre><code>code" in html and "more" in html and 'href="#fn:note"' in html


def test_internal_errors_become_problems(load, monkeypatch):
    import lms.content.course_reader as course_reader

    def boom(*args, **kwargs):
        raise ValueError("kaboom")

    monkeypatch.setattr(course_reader, "parse_step_body", boom)
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
        "```response", " critical", " review", "(pin)", "(+1, pin, skill s)", "::: if n", "::: if not m", ":::",
        "{{ org.x }}", "{{ support.contacts }}", "{{> s }}", "\n{{> s }}\n", "{{> t }}", "{{", "}}",
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
@given(snippet=MARKDOWNISH, body=MARKDOWNISH)
def test_random_snippets(tmp_path_factory, snippet, body):
    """Random snippets included (or not) by random steps and scenarios: problems, never exceptions."""
    files = course({"1-a.md": f"x\n\n{{{{> s }}}}\n\n{body}", "2-b.md": body}) | {
        "_snippets/s.md": snippet, "_snippets/t.md": body, "scenarios/s.md": SCENARIO_MD + "\n{{> s }}\n" + body}
    _check_never_raises(tmp_path_factory.mktemp("snippet"), files)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_random_bytes(tmp_path_factory, data):
    files = course({"1-a.md": data, "2-b.md": "{{> s }}\n"}) | {"scenarios/s.md": data, "_snippets/s.md": data}  # type: ignore[dict-item]
    _check_never_raises(tmp_path_factory.mktemp("bytes"), files)


def test_sample_course_md_is_valid(load):
    assert not load(course({"1-a.md": "x"}, course_md=COURSE_MD)).problems
