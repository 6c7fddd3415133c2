"""Every user-visible word of a trainee-path template goes through a translation call (issue 20).

The template is read as text: Jinja expressions, statements and comments are cut
out (what they print is checked where it is made: `_()` calls, content, names),
and what is left is parsed as HTML. Any text node or visible attribute that still
holds a letter is English someone forgot to wrap in `{{ _("…") }}`.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

LMS = Path(__file__).resolve().parent.parent / "lms"
# The trainee path whose every string is translated (issue 20, item 4). Templates are
# added here as they are wrapped; the test then keeps them wrapped.
TRAINEE_PATH = [
    "templates/base.html",
    "templates/macros.html",
    "accounts/templates/auth/login.html",
    "accounts/templates/auth/register.html",
    "accounts/templates/auth/profile.html",
    "home/templates/main/home.html",
    "home/templates/main/welcome.html",
    "home/templates/main/support.html",
    "learning/templates/learn/my_training.html",
    "learning/templates/learn/_my_training.html",
    "learning/templates/learn/step.html",
    "certificates/templates/certificates/verify.html",
    "certificates/templates/certificates/_status.html",
    "mail/templates/mail/preferences.html",
    "mail/templates/mail/unsubscribe.html",
    "learning/templates/learn/course.html",
    "learning/templates/learn/_step_parts.html",
    "learning/templates/learn/catalogue.html",
    "learning/templates/learn/prerequisites.html",
    "learning/templates/learn/reflections.html",
    "learning/templates/learn/reflection_edit.html",
    "learning/templates/learn/step_notes.html",
    "learning/templates/learn/_assigned.html",
    "learning/templates/learn/_macros.html",
    "roleplay/templates/play/briefing.html",
    "roleplay/templates/play/run.html",
    "roleplay/templates/play/practice.html",
    "roleplay/templates/play/debrief.html",
    "certificates/templates/certificates/mine.html",
    "certificates/templates/certificates/claim.html",
    "certificates/templates/certificates/_trainee_panel.html",
    "certificates/templates/certificates/_withdrawn.html",
    "coaching/templates/coaching/_my_feedback.html",
    "coaching/templates/coaching/_debrief.html",
    "coaching/templates/coaching/_thread.html",
    "privacy/templates/privacy/data.html",
    "privacy/templates/privacy/join.html",
    "accounts/templates/auth/change_password.html",
    "accounts/templates/auth/choose_password.html",
    "accounts/templates/auth/invite_only.html",
    "accounts/templates/auth/invite_problem.html",
    "templates/error.html",
    "templates/unavailable.html",
    # Staff pages, part B: admin, confirmations, second factor, certificates (staff), data page, e-mails.
    "admin/templates/admin/audit.html",
    "admin/templates/admin/settings.html",
    "admin/templates/admin/user.html",
    "admin/templates/admin/users.html",
    "templates/confirm.html",
    "accounts/templates/auth/second_factor.html",
    "accounts/templates/auth/login_code.html",
    "certificates/templates/certificates/_preview.html",
    "certificates/templates/certificates/bulk.html",
    "certificates/templates/certificates/detail.html",
    "certificates/templates/certificates/manage.html",
    "privacy/templates/privacy/data_page.html",
    "mail/templates/mail/_button.html",
    "mail/templates/mail/_layout.html",
    "mail/templates/mail/certificate_issued.html",
    "mail/templates/mail/certificate_revoked.html",
    "mail/templates/mail/due_soon.html",
    "mail/templates/mail/invitation.html",
    "mail/templates/mail/nudge.html",
    "mail/templates/mail/overdue.html",
    "mail/templates/mail/refresher.html",
    "mail/templates/mail/sign_off.html",
    "coaching/templates/mail/coach_comment_added.html",
    "coaching/templates/mail/coach_contact_requested.html",
    "coaching/templates/mail/coach_reply_added.html",
    "coaching/templates/mail/coach_response_marked.html",
    "coaching/templates/mail/coach_step_confirmed.html",
    # Coaching, trainers' side
    "coaching/templates/coaching/_macros.html",
    "coaching/templates/coaching/comment_edit.html",
    "coaching/templates/coaching/confirm_cohort.html",
    "coaching/templates/coaching/confirmations.html",
    "coaching/templates/coaching/contact_requests.html",
    "coaching/templates/coaching/needs_you.html",
    "coaching/templates/coaching/review.html",
    "coaching/templates/coaching/reviews.html",
    "coaching/templates/coaching/run.html",
]
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
VISIBLE_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "value"}
LETTER = re.compile(r"[^\W\d_]")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if (name in VISIBLE_ATTRIBUTES and value and LETTER.search(value)
                    and not (tag == "input" and name == "value")):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and LETTER.search(data):
            self.found.append((self.getpos()[0], data.strip()))


def untranslated_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of every visible piece of text outside a Jinja expression or statement."""
    # Keep the line count: replace each Jinja part by its newlines only.
    stripped = JINJA.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    parser = _Text()
    parser.feed(stripped)
    parser.close()
    return parser.found


@pytest.mark.parametrize("rel", TRAINEE_PATH)
def test_trainee_path_template_has_no_text_outside_a_translation_call(rel: str) -> None:
    found = untranslated_text((LMS / rel).read_text(encoding="utf-8"))
    assert not found, (
        f"lms/{rel}: wrap these in {{{{ _('…') }}}}:\n" + "\n".join(f"  line {n}: {t!r}" for n, t in found)
    )


def test_the_extractor_finds_plain_text_and_labels_but_not_jinja() -> None:
    source = ('<h1>{{ _("Hello") }}</h1>\n<p>Plain words</p>\n'
              '<nav aria-label="Main">{% if x %}{{ y }}{% endif %}</nav>\n<p>{{ n }} · 42</p>')
    assert untranslated_text(source) == [(2, "Plain words"), (3, 'aria-label="Main"')]


def test_every_trainee_template_is_in_the_welsh_catalogue() -> None:
    """Each _() string of these templates has a Welsh translation (make translations keeps the .po current)."""
    from babel.messages.pofile import read_po

    with (LMS / "translations/cy/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    missing = [m.id for m in catalogue if m.id and not m.string]
    assert not missing, "untranslated in cy/messages.po:\n" + "\n".join(map(str, missing))
