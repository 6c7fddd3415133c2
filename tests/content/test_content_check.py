"""FORMAT.md section 6: `lms check` output and exit code."""

from __future__ import annotations

from lms.content.check import run_check

from .conftest import SCENARIO_MD, course, write_tree


def test_check_prints_sorted_compiler_style_lines_and_fails_on_errors(tmp_path):
    root = write_tree(tmp_path, course({
        "2-reflecting.md": "x\n\n```question\nQ\n- [ ] a\n- [ ] b\n```\n",
        "1-a.md": "---\ntitel: x\n---\n",
    }) | {"scenarios/two-am.md": SCENARIO_MD + "\n## lock-thread\nx\n"})
    lines: list[str] = []
    assert run_check(root, lines.append) == 1
    assert lines[:-1] == [
        "courses/listening/1-a.md:2: error: unknown key 'titel'; did you mean 'title'?",
        "courses/listening/2-reflecting.md:3: error: question has no correct choice ([x])",
        "scenarios/two-am.md:22: error: node 'lock-thread' has no choices, so it is an ending, but it is not "
        "listed under 'endings'; list it under pass, fail or neutral (or give it choices)",
        "scenarios/two-am.md:22: warning: node 'lock-thread' cannot be reached from 'the-post'",
    ]
    assert lines[-1] == "3 errors, 1 warning; 0 courses and 0 scenarios ready"


def test_check_passes_with_only_warnings(tmp_path):
    root = write_tree(tmp_path, course({"1-a.md": "<script>x</script>\n"}) | {"scenarios/two-am.md": SCENARIO_MD})
    lines: list[str] = []
    assert run_check(root, lines.append, summary=False) == 0
    assert lines == ["courses/listening/1-a.md:1: warning: <script> removed: scripts are not allowed in course content"]


def test_check_on_the_fixture_tree_is_clean():
    from pathlib import Path

    lines: list[str] = []
    assert run_check(Path(__file__).parent / "fixtures" / "good", lines.append) == 0, lines
