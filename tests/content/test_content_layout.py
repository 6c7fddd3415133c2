"""FORMAT.md section 1: layout, ids, ordering, drafts, encodings, symlinks, links."""

from __future__ import annotations

import os
from pathlib import Path

from lms.content import ContentUrls, load_catalog

from .conftest import COURSE_MD, course, find, messages


def test_minimal_course_loads_with_numeric_order_and_implicit_module(load):
    catalog = load(course({
        "2-second.md": "# Second step\n\nText.\n",
        "10-tenth.md": "Text.\n",
        "1-first.md": "Text.\n",
    }))
    assert messages(catalog) == []
    listening = catalog.course("listening")
    assert [s.id for s in listening.steps] == ["first", "second", "tenth"]
    assert len(listening.modules) == 1
    assert listening.modules[0].id == "" and listening.modules[0].title == "Listening"
    assert listening.steps[0].module_id == "" and listening.steps[0].course_id == "listening"
    assert listening.next_step("first").id == "second"
    assert listening.previous_step("first") is None
    assert listening.previous_step("tenth").id == "second"
    assert listening.next_step("tenth") is None
    assert listening.step_index("tenth") == 2
    assert listening.step("nope") is None
    assert listening.intro_html == "<p>Welcome to the course.</p>"
    assert len(listening.version) == 12


def test_missing_folders_count_as_empty(tmp_path):
    catalog = load_catalog(tmp_path)
    assert catalog.courses == {} and catalog.scenarios == {} and catalog.problems == ()


def test_missing_root_is_an_error(tmp_path):
    catalog = load_catalog(tmp_path / "nope")
    assert catalog.has_errors and "does not exist" in catalog.problems[0].message


def test_drafts_and_readme_are_ignored(load):
    catalog = load(course({
        "1-a.md": "A\n",
        "_2-draft.md": "```question\nbroken\n```\n",
        ".hidden.md": "x",
        "README.md": "notes",
        "_notes/1-x.md": "x",
    }) | {"courses/_draft-course/course.md": "junk", "scenarios/_wip.md": "junk", "courses/README.md": "x"})
    assert messages(catalog) == []
    assert list(catalog.courses) == ["listening"]


def test_steps_and_modules_together_is_an_error(load):
    catalog = load(course({"1-a.md": "A\n", "2-part/1-b.md": "B\n"}))
    find(catalog, "courses/listening", 0, "both step files and module folders")
    assert catalog.course("listening") is None


def test_modules_with_module_md_and_cross_module_links(load):
    catalog = load(course({
        "1-foundations/module.md": "---\ntitle: The basics\nsummary: Start here.\n---\nIntro to the module.\n",
        "1-foundations/1-welcome.md": "Welcome.\n\n## Why listen\n",
        "2-practice/1-try.md": "Back to [the welcome](../1-foundations/1-welcome.md#why-listen).\n",
        "2-practice/2-more.md": "See [the last step](1-try.md).\n",
    }))
    assert messages(catalog) == []
    c = catalog.course("listening")
    assert [m.id for m in c.modules] == ["foundations", "practice"]
    assert c.modules[0].title == "The basics" and c.modules[0].summary == "Start here."
    assert c.modules[0].intro_html == "<p>Intro to the module.</p>"
    assert c.modules[1].title == "Practice"
    assert c.step("try").module_id == "practice"
    assert '<a href="/courses/listening/steps/welcome#why-listen"' in c.step("try").body_html
    assert '<a href="/courses/listening/steps/try"' in c.step("more").body_html


def test_module_without_steps_is_an_error(load):
    catalog = load(course({"1-a/1-x.md": "x", "2-empty/module.md": "---\ntitle: Empty\n---\n"}))
    find(catalog, "courses/listening/2-empty", 0, "has no steps")


def test_course_without_steps_is_an_error(load):
    catalog = load(course({}))
    find(catalog, "courses/listening", 0, "has no steps")


def test_duplicate_step_ids_across_modules(load):
    catalog = load(course({"1-a/1-intro.md": "x", "2-b/1-intro.md": "y"}))
    find(
        catalog, "courses/listening/2-b/1-intro.md", 0,
        "step id 'intro' is already used by courses/listening/1-a/1-intro.md",
    )


def test_bad_names(load):
    catalog = load(
        course({"welcome.md": "x", "1-Bad_Name.md": "x", "2-ok.md": "x"}) | {"courses/My Course/course.md": COURSE_MD},
    )
    find(catalog, "courses/listening/welcome.md", 0, "has no number prefix; rename it like '01-welcome.md'")
    find(
        catalog, "courses/listening/1-Bad_Name.md", 0,
        "'Bad_Name' in the name of step file '1-Bad_Name.md' is not a valid id",
    )
    find(catalog, "courses/My Course", 0, "is not a valid course id")


def test_missing_course_md(load):
    catalog = load({"courses/listening/1-a.md": "x"})
    find(catalog, "courses/listening/course.md", 0, "course.md is missing")
    assert catalog.courses == {}


def test_stray_files_are_warnings(load):
    catalog = load(course({"1-a.md": "x", "photo.png": "x"}))
    find(catalog, "courses/listening/photo.png", 0, "ignored", severity="warning")
    assert catalog.course("listening") is not None


def test_bom_and_crlf_are_accepted_with_true_line_numbers(load):
    step = "---\r\ntitle: A\r\n---\r\nSee [x](missing.md).\r\n"
    catalog = load(course({"1-a.md": b"\xef\xbb\xbf" + step.encode()}))
    find(catalog, "courses/listening/1-a.md", 4, "does not exist")
    catalog2 = load(course({"1-a.md": b"\xef\xbb\xbf---\r\ntitle: A\r\n---\r\nfine\r\n"}))
    assert catalog2.course("listening").step("a").title == "A"


def test_non_utf8_is_an_error_with_its_line(load):
    catalog = load(course({"1-a.md": "line one\ncaf\xe9\n".encode("latin-1")}))
    find(catalog, "courses/listening/1-a.md", 2, "not UTF-8")
    assert catalog.course("listening") is None
    # After a byte order mark, the same byte and line (they were counted from after the mark's 3 bytes).
    marked = load(course({"1-a.md": b"\xef\xbb\xbf---\ntitle: x\n---\nab\n\xe9\n"}))
    find(marked, "courses/listening/1-a.md", 5, "not UTF-8 (byte 0xe9 at line 5)")


def test_file_too_large_is_an_error(load):
    catalog = load(course({"1-a.md": "word " * 300_000}))
    find(catalog, "courses/listening/1-a.md", 0, "too large")


def test_symlinked_step_is_an_error_and_not_followed(tree, tmp_path):
    secret = tmp_path.parent / f"{tmp_path.name}-secret.md"
    secret.write_text("TOP SECRET")
    root = tree(course({"1-a.md": "x"}))
    os.symlink(secret, root / "courses/listening/2-b.md")
    catalog = load_catalog(root)
    find(catalog, "courses/listening/2-b.md", 0, "symbolic links are not allowed")
    assert catalog.course("listening") is None


def test_symlinked_folders_are_errors(tree, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    (outside / "1-x.md").parent.mkdir(parents=True, exist_ok=True)
    (outside / "1-x.md").write_text("x")
    (outside / "course.md").write_text(COURSE_MD)
    root = tree(course({"1-a/1-x.md": "x", "assets/real.png": "png"}))
    os.symlink(outside, root / "courses/listening/2-linked")
    os.symlink(outside, root / "courses/listening/assets/more")
    os.symlink(outside, root / "courses/other")
    catalog = load_catalog(root)
    find(catalog, "courses/listening/2-linked", 0, "symbolic links")
    find(catalog, "courses/listening/assets/more", 0, "symbolic links")
    find(catalog, "courses/other", 0, "symbolic links")
    assert "other" not in catalog.courses


def test_symlinked_courses_folder_is_an_error(tmp_path):
    real = tmp_path / "real"
    (real / "x").mkdir(parents=True)
    os.symlink(real, tmp_path / "courses")
    catalog = load_catalog(tmp_path)
    find(catalog, "courses", 0, "symbolic links")


def test_links_and_images_are_rewritten(load):
    body = (
        "---\ntitle: Links\n---\n"
        "[next](2-b.md) [anchor](2-b.md#part) [pdf](assets/guide%20v2.pdf)\n"
        "![diagram](assets/img/flow.svg) [web](https://example.org/x) [mail](mailto:a@example.org)\n"
        "[here](#local)\n"
    )
    catalog = load(
        course({"1-a.md": body, "2-b.md": "B", "assets/guide v2.pdf": "pdf", "assets/img/flow.svg": "<svg/>"}),
    )
    assert messages(catalog) == []
    html = catalog.course("listening").step("a").body_html
    assert 'href="/courses/listening/steps/b"' in html
    assert 'href="/courses/listening/steps/b#part"' in html
    assert 'href="/courses/listening/assets/guide%20v2.pdf"' in html
    assert 'src="/courses/listening/assets/img/flow.svg"' in html
    assert 'href="https://example.org/x"' in html
    assert 'href="mailto:a@example.org"' in html
    assert 'href="#local"' in html


def test_custom_urls(tree):
    root = tree(course({"1-a.md": "[b](2-b.md) ![i](assets/i.png)", "2-b.md": "B", "assets/i.png": "x"}))
    catalog = load_catalog(root, ContentUrls(prefix="/lms"))
    html = catalog.course("listening").step("a").body_html
    assert 'href="/lms/courses/listening/steps/b"' in html and 'src="/lms/courses/listening/assets/i.png"' in html


def test_link_problems_point_at_their_lines(load):
    body = (
        "---\ntitle: Links\n---\n"          # lines 1-3
        "Intro.\n"                          # 4
        "[up](../../other/secret.md)\n"     # 5
        "![abs](/etc/passwd)\n"             # 6
        "[gone](3-missing.md)\n"            # 7
        "[folder](assets)\n"                # 8
        "[notes](notes.txt)\n"              # 9
        "[win](assets\\x.png)\n"            # 10
        '<a href="../2-b.md">raw</a>\n'     # 11
    )
    catalog = load(course({"1-a.md": body, "2-b.md": "B", "assets/x.png": "x", "notes.txt": "n"}))
    path = "courses/listening/1-a.md"
    find(catalog, path, 5, "points outside this course's folder")
    find(catalog, path, 6, "is an absolute path")
    find(catalog, path, 7, "does not exist")
    find(catalog, path, 8, "points to a folder")
    find(catalog, path, 9, "neither a step of this course nor a file in its assets/")
    find(catalog, path, 10, "write paths with '/'")
    find(catalog, path, 11, "points outside")
    assert catalog.course("listening") is None


def test_link_to_symlink_is_an_error(tree, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-x.png"
    outside.write_text("x")
    root = tree(course({"1-a.md": "![x](assets/x.png)\n", "assets/ok.png": "x"}))
    os.symlink(outside, root / "courses/listening/assets/x.png")
    catalog = load_catalog(root)
    find(catalog, "courses/listening/1-a.md", 1, "symbolic link")


def test_missing_link_suggests_a_close_name(load):
    catalog = load(course({"1-a.md": "[b](2-reflectng.md)", "2-reflecting.md": "x"}))
    find(catalog, "courses/listening/1-a.md", 1, "did you mean '2-reflecting.md'?")


def test_version_changes_when_any_file_changes(tree):
    root = tree(course({"1-a.md": "x", "assets/a.png": "one"}))
    first = load_catalog(root).course("listening").version
    assert load_catalog(root).course("listening").version == first
    (root / "courses/listening/assets/a.png").write_text("two")
    second = load_catalog(root).course("listening").version
    (root / "courses/listening/1-a.md").write_text("y")
    third = load_catalog(root).course("listening").version
    assert len({first, second, third}) == 3


def test_one_broken_course_leaves_the_others(load):
    catalog = load(course({"1-a.md": "x"}) | course({"1-a.md": "---\ntitel: x\n---\n"}, "broken"))
    assert list(catalog.courses) == ["listening"]
    assert catalog.has_errors


def test_catalog_is_immutable(load):
    catalog = load(course({"1-a.md": "x"}))
    import dataclasses

    import pytest
    with pytest.raises(TypeError):
        catalog.courses["x"] = None  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.course("listening").title = "x"  # type: ignore[misc]


def test_step_numbers_count_required_steps_only():
    """Numbered as progress counts them: the optional step has none, and the step after it is not pushed on."""
    listening = load_catalog(Path(__file__).resolve().parents[1] / "fixtures" / "content").courses["listening"]
    numbers = {step.id: listening.step_number(step.id) for step in listening.steps}
    assert numbers == {"welcome": 1, "practice": 2, "roleplay": 3, "optional": None, "assessment": 4}
    assert listening.step_number("no-such-step") is None
    assert len(listening.required_steps) == 4
