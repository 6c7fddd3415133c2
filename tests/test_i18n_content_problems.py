"""Content problems in the trainer's language: `lms check`, the Twine commands and the Content problems page.

The messages come from lms.content (no Flask) as lms.content.messages.Message; the app's catalogue
translates them. The compiler-style prefix keeps the English severity words, for editors and CI.
"""
from __future__ import annotations

import os
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from lms.catalog import services as catalog_module
from lms.content.messages import Message, _, _n
from lms.content.problems import Problem
from tests.conftest import FIXTURE_CONTENT, ROOT

LMS = str(Path(sys.executable).with_name("lms"))
TRANSLATIONS = ROOT / "lms" / "translations"
STORY = Path(__file__).parent / "content" / "fixtures" / "twee" / "friend-request.twee"


def _lms(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """The real command, in a bare environment (PATH and what the test gives)."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    return subprocess.run([LMS, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=60)


def _broken_content(root: Path) -> Path:
    """A course whose step says 'minutes: ten' on line 3, and a link to a file that is not there on line 5."""
    course = root / "courses" / "listening"
    course.mkdir(parents=True)
    (course / "course.md").write_text("---\ntitle: Listening\nsummary: Hearing people out.\n---\n")
    (course / "01-hello.md").write_text("---\ntitle: Hello\nminutes: ten\n---\nSee [the notes](assets/notez.pdf).\n")
    return root


def _fields(text: str) -> list[tuple[str, str, str | None]]:
    return sorted((name, spec or "", conversion) for _literal, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None)


# ---------------------------------------------------------------- the message objects

def test_a_message_is_english_until_translated():
    hint = _("; did you mean '{option}'?", option="title")
    message = _("unknown key '{key}'{hint}", key="titel", hint=hint)
    assert str(message) == "unknown key 'titel'; did you mean 'title'?"
    welsh = {"unknown key '{key}'{hint}": "allwedd anhysbys '{key}'{hint}",
             "; did you mean '{option}'?": "; ai '{option}'?"}
    assert message.translate(lambda text: welsh.get(text, text)) == "allwedd anhysbys 'titel'; ai 'title'?"
    # A translation that lost or misspelt a placeholder must not hide the problem: it falls back to English.
    assert message.translate(lambda text: "allwedd {allwedd}") == "unknown key 'titel'; did you mean 'title'?"


def test_a_plural_message_takes_ngettext():
    message = _n("{count} error", "{count} errors", 3)
    assert str(message) == "3 errors" and str(_n("{count} error", "{count} errors", 1)) == "1 error"
    assert message.translate(lambda text: text, lambda one, many, n: "{count} gwall") == "3 gwall"


def test_a_problem_compares_by_its_english_text():
    message = _("node '{node_id}' cannot be reached from '{start}'", node_id="b", start="a")
    problem = Problem.of("s.md", 4, "warning", message)
    assert problem == Problem("s.md", 4, "warning", "node 'b' cannot be reached from 'a'")
    assert str(problem) == "s.md:4: warning: node 'b' cannot be reached from 'a'"
    assert problem.translated(lambda text: "ni ellir cyrraedd '{node_id}' o '{start}'") == "ni ellir cyrraedd 'b' o 'a'"
    assert Problem("s.md", 1, "note", "plain").translated(lambda text: "X") == "plain"  # never translatable


# ---------------------------------------------------------------- the catalogue

def _content_templates() -> set[str]:
    """Every template marked with `_` or `_n` in lms.content, as `make translations` extracts them."""
    extracted = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "lms" / "content"), method_map=[("**.py", "python")],
        keywords={"_": None, "_n": (1, 2)},
    ):
        extracted.add(message if isinstance(message, str) else message[0])
    return extracted


def test_every_content_message_is_in_the_catalogue():
    """Extraction picks up `_` and `_n` in lms.content: run it, and find each template in messages.pot."""
    extracted = _content_templates()
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert len(extracted) > 200
    assert "node '{node_id}' cannot be reached from '{start}'" in extracted  # braces come out intact
    assert extracted <= catalogue, sorted(extracted - catalogue)[:5]


def test_every_welsh_content_message_keeps_exactly_its_placeholders():
    """A content message fills its {placeholders} itself: the Welsh must have the same ones, no fewer, no more."""
    templates = _content_templates()
    with open(TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    checked = 0
    for message in catalogue:
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        if ids[0] not in templates:
            continue
        assert not message.fuzzy, message.id
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(strings), f"untranslated: {ids[0]}"
        expected = _fields(ids[-1])
        for translated in strings:
            assert _fields(translated) == expected, (ids[0], translated)
        checked += 1
    assert checked > 200


# ---------------------------------------------------------------- the commands

def test_lms_check_speaks_welsh_when_the_terminal_does(tmp_path):
    content = _broken_content(tmp_path / "content")
    welsh = _lms(tmp_path, "check", str(content), LANG="cy_GB.UTF-8")
    assert welsh.returncode == 1, welsh.stderr
    lines = welsh.stdout.splitlines()
    assert "courses/listening/01-hello.md:3: error: 'minutes': disgwylid rhif cyfan (munudau) o leiaf 1; " \
           "cafwyd 'ten'" in lines
    assert any(line.startswith("courses/listening/01-hello.md:5: error: mae’r ddolen 'assets/notez.pdf' yn pwyntio "
                               "at ffeil nad yw’n bodoli") for line in lines), lines
    assert lines[-1] == "2 gwall, 0 rhybudd; 0 cwrs a 0 senario yn barod"

    english = _lms(tmp_path, "check", str(content), LANG="C.UTF-8")
    assert "courses/listening/01-hello.md:3: error: 'minutes' should be a whole number of minutes of at least 1, " \
           "got 'ten'" in english.stdout.splitlines()
    assert english.stdout.splitlines()[-1] == "2 errors, 0 warnings; 0 courses and 0 scenarios ready"


def test_lms_check_follows_the_sites_languages(tmp_path):
    content = _broken_content(tmp_path / "content")
    by_default = _lms(tmp_path, "check", str(content), LMS_DEFAULT_LANGUAGE="cy")  # no LANG: the site's default
    assert by_default.stdout.splitlines()[-1] == "2 gwall, 0 rhybudd; 0 cwrs a 0 senario yn barod"
    english_site = _lms(tmp_path, "check", str(content), LANG="cy_GB.UTF-8", LMS_LANGUAGES="en")
    assert english_site.stdout.splitlines()[-1] == "2 errors, 0 warnings; 0 courses and 0 scenarios ready"
    # A default that is not one of the site's languages (the app would refuse it): English, not a failure.
    misconfigured = _lms(tmp_path, "check", str(content), LMS_LANGUAGES="en", LMS_DEFAULT_LANGUAGE="cy")
    assert misconfigured.stdout.splitlines()[-1] == "2 errors, 0 warnings; 0 courses and 0 scenarios ready"
    broken = tmp_path / "broken.toml"
    broken.write_text("LANGUAGES = [")
    unreadable = _lms(tmp_path, "check", str(content), LANG="cy_GB.UTF-8", LMS_CONFIG_FILE=str(broken))
    assert unreadable.returncode == 1 and "Cannot read the settings file" in unreadable.stderr
    assert "Traceback" not in unreadable.stderr


def test_a_story_or_scenario_that_cannot_be_read_at_all_is_said_in_welsh(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    imported = _lms(tmp_path, "import-twee", str(empty), LANG="cy_GB.UTF-8")
    assert imported.returncode == 1 and f"ni chafwyd hyd i ffeiliau Twee (.twee, .tw) yn {empty}" in imported.stderr
    plain = tmp_path / "plain.md"
    plain.write_text("Just text.\n")
    exported = _lms(tmp_path, "export-twee", str(plain), LANG="cy_GB.UTF-8")
    assert exported.returncode == 1 and f"nid oes deunydd blaen gan {plain}, felly nid senario mohono" \
        in exported.stderr
    assert "Traceback" not in imported.stderr + exported.stderr


def test_import_and_export_twee_warn_in_welsh(tmp_path):
    imported = _lms(tmp_path, "import-twee", str(STORY), LANG="cy_GB.UTF-8")
    assert imported.returncode == 0, imported.stderr
    lines = imported.stdout.splitlines()
    assert lines[0] == "Ysgrifennwyd scenarios/friend-request.md"
    assert "warning: darn 'Explain': gadawyd newidynnau ($trust) fel testun; nid oes gan senarios newidynnau" in lines
    assert "golygwch scenarios/friend-request.md â llaw, yna rhedwch `lms check`." in lines[-1]

    source = tmp_path / "broken.md"
    shutil.copy(FIXTURE_CONTENT / "scenarios" / "late-post.md", source)
    source.write_text(source.read_text().replace("[Reach out privately](#reach-out)", "[](#reach-out)"))
    exported = _lms(tmp_path, "export-twee", str(source), "-o", "story.twee", LANG="cy_GB.UTF-8")
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.splitlines()[:2] == [
        "Ysgrifennwyd story.twee",
        "warning: mae gwallau yn y senario (rhedwch `lms check`); cafodd ei allforio fel y mae",
    ]
    assert "warning: broken.md:21: nid oes testun yn y dewis; ysgrifennwch beth fyddai’r hyfforddai’n ei wneud " \
           "y tu mewn i’r [ ]" in exported.stdout.splitlines()


# ---------------------------------------------------------------- the page

@pytest.fixture
def content_dir(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    (target / "courses" / "advanced" / "course.md").write_text("---\ntitel: oops\n---\nBroken.\n")
    return target


def test_content_problems_page_in_welsh(app, client, users):
    with app.app_context():
        catalog_module.holder().reload()
    users.login(users.create(role="trainer"))
    english = client.get("/trainer/content").get_data(as_text=True)
    assert "unknown key &#39;titel&#39;; did you mean &#39;title&#39;?" in english
    client.get("/language/cy", headers={"Sec-Fetch-Site": "same-origin"})
    page = client.get("/trainer/content").get_data(as_text=True)
    table = page[page.index("<table"):page.index("</table>")]
    assert "<code>courses/advanced/course.md:2</code>" in table
    assert "allwedd anhysbys &#39;titel&#39;; a oeddech chi’n golygu &#39;title&#39;?" in table
    assert "unknown key" not in table and 'lang="en"' not in table


def test_message_objects_survive_the_render_cache():
    """Read units are pickled into the shared render cache: their problems keep their Message."""
    import pickle

    problem = Problem.of("a.md", 1, "error", _("there is no scenario '{target}'{suggestion}", target="x",
                                                suggestion=_("; did you mean '{option}'?", option="y")))
    again = pickle.loads(pickle.dumps(problem))
    assert again == problem and isinstance(again.translatable, Message)
    assert again.translated(lambda text: text) == "there is no scenario 'x'; did you mean 'y'?"


def test_org_setting_problems_on_the_admin_page_in_welsh(client, users):
    from tests.conftest import csrf_token

    users.login(users.create(role="admin"))
    client.get("/language/cy", headers={"Sec-Fetch-Site": "same-origin"})
    url = "/admin/settings"
    bad = client.post(url, data={"csrf_token": csrf_token(client, url), "SITE_NAME": "Site", "REGISTRATION": "open",
                                 "CERTIFICATE_PRIMARY_COLOUR": "#1d4f91", "ORG": "name = A\nname = B\nno sign"})
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert "llinell 2: rhoddir &#39;name&#39; ddwywaith" in page
    assert "llinell 3: ysgrifennwch hi fel enw = gwerth" in page
