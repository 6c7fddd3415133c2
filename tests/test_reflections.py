"""Reflections: private to their author, editable, exportable, deletable (FORMAT.md §3.3)."""
import threading

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.catalog.services import catalog
from lms.core.db import db
from lms.core.services import ServiceError
from lms.learning import reflections
from lms.learning.models import ReflectionEntry
from tests.conftest import csrf_token

STEP = "/courses/listening/steps/welcome"


def _course(app):
    with app.app_context():
        return catalog().course("listening")


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(ReflectionEntry))


# -- the service ---------------------------------------------------------------------

def test_save_creates_then_updates_one_entry_with_its_prompt(app, users, session):
    user = users.create()
    course = _course(app)
    step = course.step("welcome")
    reflection = step.reflections[0]
    first = reflections.save(session, user.id, course, step, reflection, "  Staying calm.\r\n")
    assert first.text == "Staying calm." and first.prompt_text.strip() == "What would you find hardest about listening?"
    second = reflections.save(session, user.id, course, step, reflection, "Not fixing things.")
    session.commit()
    assert second.id == first.id and second.text == "Not fixing things." and _count(session) == 1


def test_empty_and_overlong_reflections_are_refused(app, users, session):
    user = users.create()
    course = _course(app)
    step = course.step("welcome")
    with pytest.raises(ServiceError, match="nothing to save"):
        reflections.save(session, user.id, course, step, step.reflections[0], "   ")
    with pytest.raises(ServiceError, match="too long"):
        reflections.save(session, user.id, course, step, step.reflections[0], "x" * (reflections.MAX_LENGTH + 1))


def test_reads_are_scoped_to_the_owner(app, users, session):
    owner, other = users.create(), users.create()
    course = _course(app)
    step = course.step("welcome")
    entry = reflections.save(session, owner.id, course, step, step.reflections[0], "mine")
    session.commit()
    assert reflections.get_own(session, other.id, entry.id) is None
    assert reflections.mine(session, other.id) == []
    assert reflections.for_step(session, other.id, course.id, step) == {}
    assert reflections.delete(session, other.id, entry.id) is False
    assert reflections.delete(session, owner.id, entry.id) is True
    assert reflections.delete(session, owner.id, entry.id) is False


def test_export_as_markdown_and_text(app, users, session):
    user = users.create()
    course = _course(app)
    step = course.step("welcome")
    reflections.save(session, user.id, course, step, step.reflections[0], "Silence.")
    entries = reflections.mine(session, user.id)
    markdown = reflections.export(entries, catalog_courses(app), "md")
    assert markdown.startswith("# My reflections") and "## Listening basics — Welcome" in markdown
    assert "*What would you find hardest about listening?*" in markdown and "Silence." in markdown
    text = reflections.export(entries, {}, "txt")  # the course since removed: ids stand in for titles
    assert "LISTENING — WELCOME" in text and "Prompt: What would you find hardest" in text
    assert "not written any" in reflections.export([], {}, "md")


def catalog_courses(app):
    with app.app_context():
        return catalog().courses


def test_concurrent_saves_keep_one_entry(app, users, session):
    user = users.create()
    course = _course(app)
    step = course.step("welcome")
    barrier = threading.Barrier(4)

    def save(n):
        barrier.wait(5)
        try:
            reflections.save(db.session, user.id, course, step, step.reflections[0], f"draft {n}")
            db.session.commit()
        finally:
            db.session.remove()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    session.expire_all()
    assert _count(session) == 1


# -- through the pages ------------------------------------------------------------------

@pytest.fixture
def started(client, users):
    user = users.create(display_name="Owl")
    users.login(user)
    client.post("/courses/listening/start", data={"csrf_token": csrf_token(client, "/courses/listening")})
    return user


def _save(client, text, reflection="r-hardest"):
    return client.post(f"{STEP}/reflections/{reflection}", data={"csrf_token": csrf_token(client, STEP), "text": text})


def test_write_and_edit_a_reflection_on_the_step(client, started, session):
    page = client.get(STEP).get_data(as_text=True)
    assert 'aria-labelledby="reflection-r-hardest-prompt"' in page and "Private: only you can see this" in page
    response = _save(client, "Sitting with silence.")
    # The message takes the focus.
    assert response.status_code == 303 and response.headers["Location"].endswith("/steps/welcome")
    page = client.get(STEP).get_data(as_text=True)
    assert "Sitting with silence.</textarea>" in page and "Save changes" in page
    _save(client, "Sitting with silence, still.")
    assert _count(session) == 1
    assert "Sitting with silence, still." in client.get("/my/reflections").get_data(as_text=True)


def test_control_characters_do_not_break_saving(client, started, session):
    _save(client, "tab\there\x00 and a NUL")
    assert session.scalar(select(ReflectionEntry.text)) == "tab\there and a NUL"


def test_a_reflection_with_characters_that_cannot_be_shown_is_refused_and_kept_in_its_box(client, started, session):
    """Escape sequences and bells were stored as written (comments and replies refused them already)."""
    response = _save(client, "ctl \x1b[2J\x07 text")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Your reflection contains characters that cannot be shown." in page
    assert "ctl" in page.split('id="reflection-r-hardest"', 1)[1] and _count(session) == 0


def test_the_same_reflection_posted_twice_keeps_one_entry(client, started, session):
    token = csrf_token(client, STEP)
    for _ in range(2):
        client.post(f"{STEP}/reflections/r-hardest", data={"csrf_token": token, "text": "twice"})
    assert _count(session) == 1


def test_empty_reflection_gets_a_message(client, started, session):
    response = _save(client, "   ")
    # The step page has no Delete button: the message says where deleting is.
    assert response.status_code == 400 and ("There is nothing to save yet: write something first. To remove a saved "
                                            "reflection, delete it in “All my reflections”."
                                            ) in response.get_data(as_text=True)
    assert "or delete the reflection" not in response.get_data(as_text=True)
    assert _count(session) == 0


def test_an_overlong_reflection_comes_back_with_the_words_kept(client, started, session):
    words = "word " * 5000  # 25,000 characters
    response = _save(client, words)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "too long" in page and words.strip() in page
    assert 'aria-invalid="true"' in page and _count(session) == 0


def test_a_reflection_within_the_limit_is_saved_whatever_its_line_endings(client, started, session):
    """A browser counts a newline as one character against the box's maxlength but sends it as two (CRLF):
    19,900 characters by the box's count are saved, on the step and on the edit page alike."""
    from lms.learning.reflections import MAX_LENGTH

    lines = ["x" * 99] * 199
    sent = "\r\n".join(lines)
    assert len(sent) > MAX_LENGTH > len("\n".join(lines))
    assert _save(client, sent).status_code == 303
    entry = session.scalars(select(ReflectionEntry)).one()
    assert entry.text == "\n".join(lines)
    edit = f"/my/reflections/{entry.id}"
    response = client.post(edit, data={"csrf_token": csrf_token(client, edit), "text": sent + "\r\ny"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    session.expire_all()
    assert session.scalars(select(ReflectionEntry.text)).one().endswith("\ny")


def test_reflections_do_not_gate_step_completion(client, started, session):
    token = csrf_token(client, STEP)
    client.post(f"{STEP}/questions/q-reflect", data={"csrf_token": token, "choice": "1"})
    assert "Done" in client.get(STEP).get_data(as_text=True)


def test_my_reflections_list_edit_delete_and_export(client, started, session):
    _save(client, "First thoughts.")
    entry_id = session.scalar(select(ReflectionEntry.id))
    page = client.get("/my/reflections").get_data(as_text=True)
    assert "Listening basics — Welcome" in page and "First thoughts." in page
    assert "Download as Markdown" in page
    edit_url = f"/my/reflections/{entry_id}"
    assert "First thoughts.</textarea>" in client.get(edit_url).get_data(as_text=True)
    response = client.post(edit_url, data={"csrf_token": csrf_token(client, edit_url), "text": "Second thoughts."})
    assert response.status_code == 302
    bad = client.post(edit_url, data={"csrf_token": csrf_token(client, edit_url), "text": ""})
    assert bad.status_code == 200 and "nothing to save" in bad.get_data(as_text=True)
    for fmt, mimetype in (("md", "text/markdown"), ("txt", "text/plain")):
        export = client.get(f"/my/reflections/export.{fmt}")
        assert export.mimetype == mimetype
        assert export.headers["Content-Disposition"] == f'attachment; filename="my-reflections.{fmt}"'
        assert export.headers["Cache-Control"] == "no-store"
        assert "Second thoughts." in export.get_data(as_text=True)
    assert client.get("/my/reflections/export.pdf").status_code == 404
    response = client.post(f"{edit_url}/delete", data={"csrf_token": csrf_token(client, "/my/reflections"),
                                                       "confirmed": "yes"})
    assert response.status_code == 302 and _count(session) == 0
    assert "not written any reflections" in client.get("/my/reflections").get_data(as_text=True)


def test_another_trainee_can_never_see_or_change_my_reflections(client, started, users, session):
    _save(client, "Private words.")
    entry_id = session.scalar(select(ReflectionEntry.id))
    users.logout()
    for role in ("trainee", "trainer", "admin"):
        other = users.create(role=role)
        users.login(other)
        assert "Private words." not in client.get("/my/reflections").get_data(as_text=True)
        assert "Private words." not in client.get("/my/reflections/export.md").get_data(as_text=True)
        assert client.get(f"/my/reflections/{entry_id}").status_code == 404
        token = csrf_token(client, "/my/reflections")
        assert client.post(f"/my/reflections/{entry_id}",
                           data={"csrf_token": token, "text": "hacked"}).status_code == 404
        for data in ({"csrf_token": token}, {"csrf_token": token, "confirmed": "yes"}):
            assert client.post(f"/my/reflections/{entry_id}/delete", data=data).status_code == 404
        users.logout()
    assert session.scalar(select(ReflectionEntry.text)) == "Private words."
    for url in ("/my/reflections/999999", "/my/reflections/abc", "/my/reflections/99999999999999999999999",
                "/my/reflections/-1"):
        users.login(users.create())
        assert client.get(url).status_code == 404
        users.logout()


def test_no_trainer_or_admin_page_ever_shows_a_reflection(app, client, started, users, session):
    """Walk every GET page as a trainer and as an admin, with the trainee's ids: the words never appear."""
    from flask import url_for
    from werkzeug.routing import IntegerConverter

    secret = "A private thought nobody else should read."
    _save(client, secret)
    entry_id = session.scalar(select(ReflectionEntry.id))
    users.logout()
    urls = set()
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            for number in {started.id, entry_id}:
                args = {arg: (number if isinstance(rule._converters[arg], IntegerConverter) else "listening")
                        for arg in rule.arguments}
                urls.add(url_for(rule.endpoint, **args))
    assert any(u.startswith("/trainer") for u in urls) and any(u.startswith("/admin") for u in urls)
    for role in ("trainer", "admin"):
        users.login(users.create(role=role))
        for url in sorted(urls):
            assert secret not in client.get(url).get_data(as_text=True), f"{role} sees a reflection at {url}"
        users.logout()


def test_a_welsh_speakers_download_is_in_welsh(app, client, session, users):
    """The file's own words (title, prompt label, date) follow the reader's language, as the page does."""
    user = users.create(display_name="Alys")
    session.get(User, user.id).language = "cy"
    session.commit()
    course = _course(app)
    step = course.step("welcome")
    reflections.save(session, user.id, course, step, step.reflections[0], "Tawelwch.")
    session.commit()
    users.login(user)
    markdown = client.get("/my/reflections/export.md").get_data(as_text=True)
    assert markdown.startswith("# Fy myfyrdodau") and "Tawelwch." in markdown
    assert "(newidiwyd ddiwethaf ar " in markdown and "last changed" not in markdown
    text = client.get("/my/reflections/export.txt").get_data(as_text=True)
    assert text.startswith("FY MYFYRDODAU") and "Prompt:" not in text
