"""Checking a practice answer never loses words being written on the step (views.answer).

Without JavaScript a button sends one form. On a step with a practice question and a reflection (or a
response), "Check answer" sends the writing's form, with the choices in it (their `form` attribute): the
reflection is saved, a response kept as a draft, then the answer is checked. These tests post what a browser
sends: the writing form's fields and the choices, to the answer's address (the button's `formaction`).
"""
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.learning.models import QuestionAnswer, ReflectionEntry, ResponseDraft, ResponseEntry
from lms.learning.reflections import MAX_LENGTH
from tests.conftest import FIXTURE_CONTENT, csrf_token

WELCOME = "/courses/listening/steps/welcome"  # one practice question and a reflection (the fixture course)
TWO = "/courses/listening/steps/two-questions"
WRITTEN = "/courses/listening/steps/written"
PRACTICE = "/courses/listening/steps/practice"  # a practice question and no writing

TWO_QUESTIONS = """---
title: Two questions
---
Two questions, then a thought of your own.

```question id=q-first
Which reply leaves room to talk?

- [ ] "You should call someone."
- [x] "Do you want to tell me more?"
```

```question id=q-second
Who else should know when a member is at risk?

- [x] The safeguarding lead
- [ ] Nobody
```

```reflection id=r-two
What do you notice about your first instinct?
```
"""

WRITTEN_STEP = """---
title: Written
---
```question id=q-open
Which is an open question?

- [x] "How are you feeling tonight?"
- [ ] "Are you OK?"
```

```response id=first-words
Write the first thing you would say.
```
"""


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    (root / "courses" / "listening" / "6-two-questions.md").write_text(TWO_QUESTIONS)
    (root / "courses" / "listening" / "7-written.md").write_text(WRITTEN_STEP)
    return root


def _answers(session) -> dict[str, tuple[list[int], bool, int]]:
    session.expire_all()
    return {a.question_id: (a.selected, a.correct, a.tries) for a in session.scalars(select(QuestionAnswer))}


def _reflection(session) -> str | None:
    session.expire_all()
    return session.scalar(select(ReflectionEntry.text))


def _check(client, url, question, **fields):
    """Press "Check answer" of `question` on the page at `url`: its writing form's fields and the choices."""
    return client.post(f"{url}/questions/{question}", data={"csrf_token": csrf_token(client, url), **fields})


def test_the_choices_and_the_button_belong_to_the_reflections_form(client, started):
    page = client.get(WELCOME).get_data(as_text=True)
    answer_url = f"{WELCOME}/questions/q-reflect"
    inputs = re.findall(r'<input type="radio"[^>]*>', page)
    assert len(inputs) == 2 and all(re.match(r'<input type="radio" name="choice" id="q-q-reflect-\d" value="\d" '
                                             r'form="reflection-form-r-hardest"', i) for i in inputs)
    assert (f'<button type="submit" class="button" form="reflection-form-r-hardest" formaction="{answer_url}" '
            'formnovalidate>Check answer</button>') in page
    assert f'<form method="post" action="{answer_url}">' not in page  # no form of its own left empty
    # Still its own region, fieldset and legend, where it was.
    question = page[page.index('<section class="question card" id="q-q-reflect"'):]
    assert question.index("<fieldset") < question.index("Check answer") < question.index("</section>")
    assert '<legend><span lang="en" id="q-q-reflect-prompt">' in question
    # Enter on a choice sends the form through its first button: the hidden one checking the answer, before
    # "Take a break" (which the same form also feeds).
    first = page.index('form="reflection-form-r-hardest"')
    assert page[first:].startswith(f'form="reflection-form-r-hardest" formaction="{answer_url}" formnovalidate '
                                   'hidden></button>')
    assert first < page.index(f'formaction="{WELCOME}/break"')


def test_a_reflection_written_then_an_answer_checked_keeps_the_reflection(client, started, session):
    response = _check(client, WELCOME, "q-reflect", reflection_id="r-hardest", text="Sitting with silence.",
                      choice="0")
    # As before, the feedback of the question just answered takes the focus after the redirect.
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{WELCOME}?answered=q-reflect")
    assert _reflection(session) == "Sitting with silence." and _answers(session) == {"q-reflect": ([0], False, 1)}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<div class="feedback incorrect" tabindex="-1" autofocus>' in page
    assert "Sitting with silence.</textarea>" in page and "Save changes" in page
    # Try again, having changed the words: both kept, the answer right this time.
    _check(client, WELCOME, "q-reflect", reflection_id="r-hardest", text="Sitting with silence, still.", choice="1")
    assert _reflection(session) == "Sitting with silence, still."
    assert _answers(session) == {"q-reflect": ([1], True, 2)}
    assert session.scalar(select(func.count()).select_from(ReflectionEntry)) == 1


def test_an_empty_box_saves_nothing_and_the_answer_is_checked(client, started, session):
    response = _check(client, WELCOME, "q-reflect", reflection_id="r-hardest", text="  ", choice="1")
    assert response.status_code == 303 and _reflection(session) is None
    assert _answers(session) == {"q-reflect": ([1], True, 1)}


def test_a_response_is_kept_as_a_draft_not_sent(client, started, session):
    page = client.get(WRITTEN).get_data(as_text=True)
    assert re.search(r'name="choice" id="q-q-open-\d" value="\d" form="response-form-first-words"', page)
    assert f'form="response-form-first-words" formaction="{WRITTEN}/questions/q-open"' in page
    response = _check(client, WRITTEN, "q-open", response_id="first-words", text="Hello, I saw your post.",
                      choice="0")
    assert response.status_code == 303
    assert session.scalar(select(func.count()).select_from(ResponseEntry)) == 0  # not sent to the trainers
    assert session.scalars(select(ResponseDraft.text)).one() == "Hello, I saw your post."
    assert _answers(session) == {"q-open": ([0], True, 1)}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hello, I saw your post.</textarea>" in page
    assert "Not sent yet: these are the words you were writing when you checked your answer." in page
    # The step waits for the response: it is done only once the response is sent.
    assert '<span class="badge ok">Done</span>' not in page


def test_two_questions_on_one_step_answered_in_turn_keep_the_reflection(client, started, session):
    page = client.get(TWO).get_data(as_text=True)
    # Both questions' choices are in the reflection's form: each question's radios have a name of their own,
    # so they stay two groups (picking one answer does not clear the other).
    names = re.findall(r'<input type="radio" name="([^"]+)" id="[^"]+" value="\d" form="reflection-form-r-two"',
                       page)
    assert sorted(names) == ["choice-q-first"] * 2 + ["choice-q-second"] * 2
    assert 'name="choice"' not in page  # and nothing required: one question's check must not wait for another
    assert not [i for i in re.findall(r"<input[^>]*>", page) if "required" in i]
    # Each question's error and hint ids are its own: aria-describedby never points at another question.
    assert all(ids.startswith(f"q-{q}-") for q, ids in re.findall(
        r'name="choice-([^"]+)"[^>]*aria-describedby="([^"]+)"', page))

    # A browser sends every field of the form: both questions' picks and the words.
    sent = _check(client, TWO, "q-first", reflection_id="r-two", text="I rush to fix.",
                  **{"choice-q-first": "0", "choice-q-second": "1"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"{TWO}?answered=q-first")
    assert _answers(session) == {"q-first": ([0], False, 1)}  # only the question whose button was pressed
    assert _reflection(session) == "I rush to fix."

    sent = _check(client, TWO, "q-second", reflection_id="r-two", text="I rush to fix, then I listen.",
                  **{"choice-q-first": "0", "choice-q-second": "0"})
    assert sent.headers["Location"].endswith(f"{TWO}?answered=q-second")
    assert _answers(session) == {"q-first": ([0], False, 1), "q-second": ([0], True, 1)}
    _check(client, TWO, "q-first", reflection_id="r-two", text="I rush to fix, then I listen.",
           **{"choice-q-first": "1"})
    assert _answers(session) == {"q-first": ([1], True, 2), "q-second": ([0], True, 1)}
    page = client.get(TWO).get_data(as_text=True)
    assert "I rush to fix, then I listen.</textarea>" in page and '<span class="badge ok">Done</span>' in page
    assert "hidden></button>" not in page  # no question left to check: no button for Enter either


def test_a_too_long_reflection_with_an_answer_comes_back_with_the_message_the_words_and_the_choice(
        client, started, session):
    words = "word " * 5000
    response = _check(client, TWO, "q-second", reflection_id="r-two", text=words, **{"choice-q-second": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "That is too long to save" in page
    reflection = page[page.index('id="reflection-r-two"'):]
    assert words.strip() + "</textarea>" in reflection and 'aria-invalid="true"' in reflection
    assert '<p class="error" id="reflection-r-two-error" role="alert" tabindex="-1" autofocus>' in reflection
    # The answer waits for the words: nothing is recorded, and the choice is still picked, so pressing
    # "Check answer" again once the words are shorter sends both.
    assert _answers(session) == {} and _reflection(session) is None
    assert 'id="q-q-second-0" value="0" form="reflection-form-r-two" checked' in page
    fixed = _check(client, TWO, "q-second", reflection_id="r-two", text=words[:MAX_LENGTH // 2],
                   **{"choice-q-second": "0"})
    assert fixed.status_code == 303 and _answers(session) == {"q-second": ([0], True, 1)}
    assert _reflection(session) == words[:MAX_LENGTH // 2].strip()


def test_characters_that_cannot_be_shown_in_a_response_are_refused_with_the_words(client, started, session):
    response = _check(client, WRITTEN, "q-open", response_id="first-words", text="Hi \x1b[2J\x07there", choice="0")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Your response contains characters that cannot be shown." in page
    assert "there</textarea>" in page and _answers(session) == {}
    assert session.scalar(select(func.count()).select_from(ResponseDraft)) == 0


def test_no_answer_chosen_keeps_the_words_and_says_so_at_the_question(client, started, session):
    response = _check(client, TWO, "q-first", reflection_id="r-two", text="Kept anyway.",
                      **{"choice-q-second": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<p class="error" id="q-q-first-error" role="alert" tabindex="-1" autofocus>Choose an answer first.' in page
    assert _reflection(session) == "Kept anyway." and "Kept anyway.</textarea>" in page and _answers(session) == {}
    # The other question's pick is still there.
    assert 'id="q-q-second-1" value="1" form="reflection-form-r-two" checked' in page


@pytest.mark.parametrize("url, question, choice", [(WELCOME, "q-reflect", "1"), (TWO, "q-first", "1"),
                                                   (PRACTICE, "q-multi", ["0", "2"])])
def test_a_plain_choice_from_a_page_open_before_still_counts(client, started, session, url, question, choice):
    """A page opened before this change sent its own form: `choice` and the token, nothing else."""
    response = client.post(f"{url}/questions/{question}",
                           data={"csrf_token": csrf_token(client, WELCOME), "choice": choice})
    assert response.status_code == 303 and _answers(session)[question][1] is True


def test_a_step_without_writing_keeps_its_own_answer_form(client, started):
    page = client.get(PRACTICE + "?notes=continue").get_data(as_text=True)
    assert f'<form method="post" action="{PRACTICE}/questions/q-multi">' in page
    assert 'type="checkbox" name="choice" id=' in page and " form=" not in page.split("<h1", 1)[1]
    assert "hidden></button>" not in page


def test_save_reflection_and_send_response_ignore_the_choices_in_their_form(client, started, session):
    saved = client.post(f"{WELCOME}/reflections/r-hardest", data={
        "csrf_token": csrf_token(client, WELCOME), "reflection_id": "r-hardest", "text": "Just saving.",
        "choice": "1"})
    assert saved.status_code == 303 and _reflection(session) == "Just saving." and _answers(session) == {}
    sent = client.post(f"{WRITTEN}/responses/first-words", data={
        "csrf_token": csrf_token(client, WRITTEN), "response_id": "first-words", "text": "Sent for real.",
        "choice": "0"})
    assert sent.status_code == 303 and _answers(session) == {}
    assert session.scalars(select(ResponseEntry.text)).one() == "Sent for real."


def test_the_assessment_step_is_unchanged(client, started):
    page = client.get("/courses/listening/steps/assessment").get_data(as_text=True)
    assert "/questions/" not in page and "Check answer" not in page
    # Its only hidden button is its own default (Enter submits the answers, not a break), before the break's.
    assert page.count("hidden></button>") == 1
    assert page.index('<button type="submit" form="assessment-form" hidden></button>') < page.index("Take a break")
    assert 'form="assessment-form" formaction="/courses/listening/steps/assessment/break"' in page
    assert re.search(r'<input type="radio" name="q-a-one" id="q-a-one-\d"', page)
