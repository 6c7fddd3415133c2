"""Organisation values (FORMAT.md 7.5) are shown exactly as written, and an empty one in use is an error.

A helpline number shown wrong to a trainee in distress is serious: YAML's typing read `01234567` as the octal
number 342391 and `22:00` as 1320 (minutes, sexagesimal), and `duty_phone: ""` made every course say "Ring  on".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lms.content import load_catalog
from lms.content.check import run_check
from lms.content.org import org_lines, org_problems, parse_org_lines, read_org_yaml
from lms.content.problems import Problems

from .conftest import course, find

Tree = Callable[[dict[str, str | bytes]], Path]

# Each of these was changed by YAML's typing: octal, sexagesimal, booleans, floats, dates, hex, exponents.
AS_WRITTEN = {
    "duty_phone": "01234567",
    "rota_end": "22:00",
    "rota_start": "7:30",
    "urgent": "true",
    "answer": "no",
    "fee": "1.50",
    "mobile": "+447700900123",
    "code": "0x1F",
    "thousand": "1e3",
    "since": "2024-01-02",
    "room": "1_000",
}
ORG_YAML = "".join(f"{name}: {value}\n" for name, value in AS_WRITTEN.items())
USES = " ".join(f"[{{{{ org.{name} }}}}]" for name in AS_WRITTEN)


def test_org_yaml_values_are_shown_exactly_as_written(tree: Tree) -> None:
    root = tree({**course({"1-a.md": f"Ring {USES}.\n"}), "org.yaml": ORG_YAML})
    catalog = load_catalog(root)
    assert catalog.problems == ()
    assert dict(catalog.org_defaults) == AS_WRITTEN
    body = catalog.courses["listening"].steps[0].body_html
    assert "Ring " + " ".join(f"[{value}]" for value in AS_WRITTEN.values()) + "." in body
    assert "342391" not in body and "1320" not in body


def test_quoted_folded_and_commented_values_keep_their_text(tree: Tree) -> None:
    org_yaml = (
        "quoted: '007'\n"
        'double: "0800 111 222"\n'
        "folded: >-  # sample\n"
        "  Ring 01234567\n"
        "  after 22:00.\n"
        "with_comment: 01234567  # the duty phone\n"
        "null_word: 'null'\n"
    )
    root = tree({**course({"1-a.md": "{{ org.quoted }} {{ org.double }} {{ org.folded }} {{ org.with_comment }} "
                                     "{{ org.null_word }}\n"}), "org.yaml": org_yaml})
    catalog = load_catalog(root)
    assert catalog.problems == ()
    assert ("007 0800 111 222 Ring 01234567 after 22:00. 01234567 null"
            in catalog.courses["listening"].steps[0].body_html)
    assert catalog.org_samples == {"folded"}


def test_a_languages_org_file_is_read_as_written_too(tree: Tree) -> None:
    files = {
        **course({"1-a.md": "Ring {{ org.duty_phone }} until {{ org.rota_end }}.\n",
                  "1-a.cy.md": "Ffoniwch {{ org.duty_phone }} tan {{ org.rota_end }}.\n"}),
        "org.yaml": "duty_phone: 01234567\nrota_end: 22:00\n",
        "org.cy.yaml": "duty_phone: 07654321\nrota_end: 22:00\n",
    }
    catalog = load_catalog(tree(files))
    assert [p for p in catalog.problems if p.severity != "note"] == []
    listening = catalog.courses["listening"]
    assert "Ring 01234567 until 22:00." in listening.steps[0].body_html
    assert "Ffoniwch 07654321 tan 22:00." in listening.localised("cy").steps[0].body_html


def test_the_admin_settings_lines_and_org_yaml_give_the_same_text(tmp_path: Path) -> None:
    (tmp_path / "org.yaml").write_text(ORG_YAML)
    (tmp_path / "org.cy.yaml").write_text(ORG_YAML)
    admin, problems = parse_org_lines("".join(f"{name} = {value}\n" for name, value in AS_WRITTEN.items()))
    assert problems == [] and org_problems(admin) == []
    assert read_org_yaml(tmp_path, Problems()).values == admin == AS_WRITTEN
    assert read_org_yaml(tmp_path, Problems(), "org.cy.yaml").values == AS_WRITTEN


# ---------------------------------------------------------------- empty values


@pytest.mark.parametrize("empty", ['""', "''", "", "'   '", "~", "null"])
def test_an_empty_value_in_use_is_an_error_at_its_line_in_org_yaml(tree: Tree, empty: str) -> None:
    files = {
        **course({"1-a.md": "x\n\nRing {{ org.duty_phone }} on weekdays.\n",
                  "2-b.md": "Ring {{ org.duty_phone }}.\n"}),
        "org.yaml": f"name: Harbourside\nduty_phone: {empty}\nunused: {empty}\n",
    }
    root = tree(files)
    catalog = load_catalog(root)
    find(catalog, "org.yaml", 2, "'duty_phone' is empty, and 2 files use it; fill it in, or remove "
         "'{{ org.duty_phone }}' from those files", "error")
    find(catalog, "courses/listening/1-a.md", 3, "organisation variable 'duty_phone' is empty in org.yaml (line 2); "
         "fill it in there, or remove its use here", "error")
    find(catalog, "courses/listening/2-b.md", 1, "organisation variable 'duty_phone' is empty", "error")
    assert not [p for p in catalog.problems if "unused" in p.message]  # not used: nothing shows it
    assert "listening" not in catalog.courses  # never "Ring  on weekdays"
    assert catalog.org_missing == ("duty_phone",)
    lines: list[str] = []
    assert run_check(root, lines.append) == 1
    assert ("org.yaml:2: error: 'duty_phone' is empty, and 2 files use it; fill it in, or remove "
            "'{{ org.duty_phone }}' from those files") in lines


def test_an_empty_value_used_once_is_said_in_the_singular(tree: Tree) -> None:
    catalog = load_catalog(tree({**course({"1-a.md": "Ring {{ org.duty_phone }}.\n"}), "org.yaml": "duty_phone: ''\n"}))
    find(catalog, "org.yaml", 1, "'duty_phone' is empty, and 1 file uses it; fill it in, or remove "
         "'{{ org.duty_phone }}' from that file", "error")


def test_the_sites_setting_fills_in_an_empty_org_yaml_value(tree: Tree) -> None:
    root = tree({**course({"1-a.md": "Ring {{ org.duty_phone }}.\n"}), "org.yaml": "duty_phone:\n"})
    catalog = load_catalog(root, org={"duty_phone": "0800 111"})
    assert catalog.problems == ()
    assert "Ring 0800 111." in catalog.courses["listening"].steps[0].body_html


def test_an_empty_value_in_a_languages_org_file_is_an_error_for_that_language(tree: Tree) -> None:
    files = {
        **course({"1-a.md": "Ring {{ org.duty_phone }}.\n", "1-a.cy.md": "Ffoniwch {{ org.duty_phone }}.\n"}),
        "org.yaml": "duty_phone: 01234567\n",
        "org.cy.yaml": "# Welsh\nduty_phone: ''\n",
    }
    catalog = load_catalog(tree(files))
    find(catalog, "org.cy.yaml", 2, "'duty_phone' is empty, and 1 file uses it", "error")
    find(catalog, "courses/listening/1-a.cy.md", 1,
         "organisation variable 'duty_phone' is empty in org.cy.yaml (line 2)", "error")
    listening = catalog.courses["listening"]  # the original is unaffected; its Welsh is left out
    assert "Ring 01234567." in listening.steps[0].body_html and "cy" not in listening.translations


def test_an_empty_site_setting_already_saved_is_an_error_where_it_is_used(tree: Tree) -> None:
    root = tree({**course({"1-a.md": "Ring {{ org.duty_phone }}.\n"}), "org.yaml": "duty_phone: 01234567\n"})
    catalog = load_catalog(root, org={"duty_phone": " "})
    find(catalog, "courses/listening/1-a.md", 1, "organisation variable 'duty_phone' is empty in the site's ORG "
         "setting; give it a value there (the admin settings page), or remove its use here", "error")
    assert not [p for p in catalog.problems if p.path == "org.yaml"]  # org.yaml's own value is fine


def test_the_admin_settings_refuse_an_empty_value_with_its_line() -> None:
    values, problems = parse_org_lines("name = Harbourside\nduty_phone =\n# a comment\nrota_end =   \n")
    assert values == {"name": "Harbourside"}
    assert [str(p) for p in problems] == [
        "line 2: 'duty_phone' has no value; write it after the '=', or remove the line to keep the content's own "
        "(org.yaml)",
        "line 4: 'rota_end' has no value; write it after the '=', or remove the line to keep the content's own "
        "(org.yaml)",
    ]


def test_the_admin_settings_take_off_quotes_around_a_whole_value_as_org_yaml_does(tmp_path: Path) -> None:
    """`name = "Harbour Lines"` (written as in config.toml) reads as org.yaml's `name: "Harbour Lines"` does."""
    values, problems = parse_org_lines('name = "Harbour Lines"\nlead = \'Sam\'\nmotto = "Be kind" always\n'
                                       'phone = ""\n')
    assert values == {"name": "Harbour Lines", "lead": "Sam", "motto": '"Be kind" always'}
    assert [str(p) for p in problems] == [
        "line 4: 'phone' has no value; write it after the '=', or remove the line to keep the content's own "
        "(org.yaml)"]
    (tmp_path / "org.yaml").write_text('name: "Harbour Lines"\nlead: \'Sam\'\n')
    assert read_org_yaml(tmp_path, Problems()).values == {"name": "Harbour Lines", "lead": "Sam"}
    # What the settings page shows again reads back the same, a value in quotes of its own included.
    kept = {"name": "Harbour Lines", "quote": '"Be kind"', "mark": "'"}
    assert parse_org_lines(org_lines(kept)) == (kept, [])


def test_the_org_setting_refuses_an_empty_value() -> None:
    """The rule the configuration file, LMS_ORG and the admin page share."""
    assert [str(p) for p in org_problems({"duty_phone": "", "name": "Ours", "lead": " \t"})] == [
        "'duty_phone' is empty; give it a value, or leave it out to keep the content's own (org.yaml)",
        "'lead' is empty; give it a value, or leave it out to keep the content's own (org.yaml)",
    ]


def test_an_empty_values_line_is_told_afresh_through_the_render_cache(tree: Tree) -> None:
    class MemoryUnitCache(dict):
        def get(self, key: str) -> bytes | None:
            return super().get(key)

        def put(self, key: str, data: bytes) -> None:
            self[key] = data

    root = tree({**course({"1-a.md": "Ring {{ org.duty_phone }}.\n"}), "org.yaml": "duty_phone: ''\n"})
    cache = MemoryUnitCache()
    for _ in range(2):  # read, then from the cache: the same problems
        catalog = load_catalog(root, cache=cache)
        find(catalog, "courses/listening/1-a.md", 1, "is empty in org.yaml (line 1)", "error")
        assert catalog.org_missing == ("duty_phone",)
    (root / "org.yaml").write_text("# Our details\nduty_phone: ''\n")
    find(load_catalog(root, cache=cache), "courses/listening/1-a.md", 1, "is empty in org.yaml (line 2)", "error")


@pytest.mark.parametrize("written", ["{{ org.community }", "{ org.community }}", "{ org.community }"])
def test_a_variable_with_a_brace_missing_is_a_warning_at_its_line(load, written: str) -> None:
    catalog = load({"org.yaml": "community: the Harbour forum\n",
                    **course({"1-welcome.md": f"---\ntitle: Welcome\n---\nWelcome.\n\nJoin {written} today.\n"})})
    problem = find(catalog, "courses/listening/1-welcome.md", 6, "looks like a variable with a brace missing",
                   "warning")
    assert written.strip() in problem.message


def test_conditional_text_in_a_course_step_is_a_warning(load) -> None:
    catalog = load(course({"1-welcome.md": "---\ntitle: Welcome\n---\n::: if the-post\nHello\n:::\n"}))
    find(catalog, "courses/listening/1-welcome.md", 4, "':::' conditional text works only in role-play scenarios",
         "warning")


def test_an_unquoted_title_starting_with_a_variable_says_to_quote_it(load) -> None:
    """'{{' opens a YAML mapping: the message names the fix, not YAML's own words."""
    catalog = load({"org.yaml": "name: Harbour\n",
                    **course({"1-welcome.md": "---\ntitle: {{ org.name }} welcome\n---\nHello.\n"})})
    find(catalog, "courses/listening/1-welcome.md", 2, "a value that starts with '{{' must be in quotes, like "
         "'title: \"{{ org.name }} welcome\"'", "error")


def test_a_variable_written_with_capitals_is_pointed_to_its_lowercase_name(load) -> None:
    catalog = load({"org.yaml": "community: the Harbour forum\n",
                    **course({"1-welcome.md": "---\ntitle: Welcome\n---\nJoin {{ org.Community }}.\n"})})
    find(catalog, "courses/listening/1-welcome.md", 4,
         "'{{ org.Community }}': variable names are lowercase; write '{{ org.community }}'", "error")
