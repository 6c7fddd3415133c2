"""Bad input of any kind gets a clear answer, never a 500: every route, every role."""
import io
import re
import shutil
from urllib.parse import quote

import pytest
from sqlalchemy import select

from lms.cohorts import services as cohorts
from lms.cohorts.models import Invite
from lms.learning.models import ReflectionEntry
from tests.conftest import FIXTURE_CONTENT, csrf_token

# Values that have broken web apps before: unknown ids, traversal, control and
# non-Latin characters, very long text, numbers out of range.
NASTY = ["nope", "..", "%2e%2e%2f", "x" * 3000, "é丁ل", "0", "-1", "2147483648", "9" * 40, "%00", "null", "<b>"]
FORM_VALUES = {"": "", "zero": "0", "neg": "-5", "big": "9" * 40, "text": "abc", "long": "y" * 20000,
               "nul": "a\x00b", "list": ["1", "2", "x"]}


def _urls(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.arguments:
            continue
        for value in NASTY:
            url = rule.rule
            for name in rule.arguments:
                converter = type(rule._converters[name]).__name__
                filler = value if converter != "BoundedIntConverter" else ("9" * 40 if not value.isdigit() else value)
                for pattern in (f"<int:{name}>", f"<path:{name}>", f"<{name}>"):
                    url = url.replace(pattern, filler)
            yield rule, url


@pytest.mark.parametrize("role", ["trainee", "trainer", "admin"])
def test_every_route_survives_nasty_ids_and_forms(app, client, users, role):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    users.login(users.create(role=role))
    token = csrf_token(client, "/support")
    failures = []
    for rule, url in _urls(app):
        if "GET" in rule.methods:
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"GET {url[:120]} -> {response.status_code}")
        if "POST" in rule.methods and rule.endpoint != "auth.logout":
            for name, value in FORM_VALUES.items():
                data = {"csrf_token": token, "choice": value, "position": value, "text": value, "name": value,
                        "course_id": value, "step_id": value, "number": value, "code": value, "legal_name": value,
                        "email": value, "reason": value, "role": value, "due_on": value, "password": value}
                response = client.post(url, data=data)
                if response.status_code >= 500:
                    failures.append(f"POST {url[:120]} ({name}) -> {response.status_code}")
    assert not failures, "\n".join(failures[:40])


@pytest.mark.parametrize("role", ["trainee", "trainer", "admin"])
def test_every_form_survives_garbage(app, client, users, role):
    """Forms without ids in the URL, posted with wrong types and missing fields."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    users.login(users.create(role=role))
    token = csrf_token(client, "/support")
    failures = []
    for rule in app.url_map.iter_rules():
        if rule.arguments or "POST" not in rule.methods or rule.endpoint in ("auth.logout", "privacy.delete"):
            continue
        for name, value in FORM_VALUES.items():
            data = {"csrf_token": token}
            for field in ("email", "password", "confirm", "display_name", "name", "description", "course", "cohort",
                          "date_from", "date_to", "from", "to", "q", "status", "role", "kind", "days", "value",
                          "SITE_NAME", "REGISTRATION", "CERTIFICATE_PRIMARY_COLOUR", "current", "new", "code"):
                data[field] = value
            response = client.post(rule.rule, data=data)
            if response.status_code >= 500:
                failures.append(f"POST {rule.rule} ({name}) -> {response.status_code}")
    assert not failures, "\n".join(failures[:40])


# -- hostile shapes, each swept over every route once per role, on real records ----------
#
# The sweeps above mostly stop at a 404 (the ids are nonsense). These fill every URL
# with records that exist and that the role may see, so that each request reaches
# the form or the view behind it.

LONG_LABEL_HOST = "a" * 64 + ".example.org"
HUGE_PAGE = "184467440737095518"
EMAILS = ["owl@example.org", "Owl.Name+tag@Example.ORG", "not an email", "a@b", "@example.org", "owl@", "ü@例え.jp",
          "owl@[127.0.0.1]", "x" * 300 + "@example.org", "owl@" + "a" * 64 + ".org", "o\x00wl@example.org", " "]
JSON_FIELDS = ["csrf_token", "email", "password", "confirm", "current", "new", "display_name", "name", "description",
               "legal_name", "holder_name", "reason", "text", "note", "feeling", "choice", "position", "course_id",
               "step_id", "restart", "course", "cohort", "due_on", "date_from", "date_to", "kind", "days", "role",
               "revoke", "remember", "next", "invite", "q", "status", "code", "SITE_NAME", "REGISTRATION",
               "CERTIFICATE_PRIMARY_COLOUR"]
# Values a browser never sends (JSON has no nested shapes in forms: see test_json_bodies_are_read_as_forms).
JSON_BODIES = [
    dict.fromkeys(JSON_FIELDS, 5),
    {field: [True, None, 1.5, 10**30, [1, "x"], "x\x00", False][n % 7] for n, field in enumerate(JSON_FIELDS)},
]
EMAIL_FORM_RE = re.compile(r'<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>', re.S)
EMAIL_INPUT_RE = re.compile(r'<input(?=[^>]*type="email")[^>]*name="([^"]+)"')
# Run last: they end what the others need (a session, a cohort, a membership).
ENDING = ("trainer.archive_cohort", "trainer.remove_member", "trainer.revoke_invite", "admin.toggle_active")


@pytest.fixture
def content_dir(tmp_path):
    """The fixture content with assets for a course and for a (folder) scenario."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    (target / "courses" / "listening" / "assets").mkdir()
    (target / "courses" / "listening" / "assets" / "pic.svg").write_text(SVG)
    folder = target / "scenarios" / "late-post"
    (folder / "assets").mkdir(parents=True)
    (target / "scenarios" / "late-post.md").rename(folder / "scenario.md")
    (folder / "assets" / "pic.svg").write_text(SVG)
    return target


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


def _world(session, users, role: str) -> tuple[dict[str, str], object]:
    """Records every route can be pointed at, as the role sees them; the URL values by argument name."""
    from tests.factories import certify, enrol, join, make_cohort, play, quick_user

    me = users.create(role=role) if role != "guest" else None
    owner = me if role in ("trainer", "admin") else quick_user(session, "Other Trainer", role="trainer")
    cohort = make_cohort(session, owner)
    member = me if role == "trainee" else quick_user(session, "Member One")
    join(session, cohort, member)
    enrolment = enrol(session, member, steps=("welcome",))
    certificate = certify(session, member, status="pending", enrolment=enrolment)
    run = play(session, member, [("start", 0, 1, False)], finished=False)
    entry = ReflectionEntry(user_id=member.id, course_id="listening", step_id="welcome", reflection_id="r-hardest",
                            prompt_text="What is hardest?", text="Listening.")
    session.add(entry)
    from lms.coaching.models import ContactRequest, RunComment

    comment = RunComment(run_id=run.id, author_id=owner.id, author_name=owner.display_name, text="Well held.")
    request = ContactRequest(user_id=member.id, note_for_trainer="Could we talk?")
    session.add_all([comment, request])
    token = cohorts.create_invite(session, owner, cohort, reusable=True)
    session.commit()
    invite = session.scalar(select(Invite))
    values = {"cohort_id": cohort.id, "user_id": member.id, "invite_id": invite.id, "certificate_id": certificate.id,
              "entry_id": entry.id, "run_id": run.id, "comment_id": comment.id, "request_id": request.id,
              "course_id": "listening", "step_id": "welcome", "question_id": "q-reflect", "reflection_id": "r-hardest",
              "response_id": "welcome-r1", "scenario_id": "late-post", "token": token,
              "code": "ABCD-EFGH", "language": "cy", "fmt": "json", "relpath": "pic.svg", "filename": "app.css"}
    return {name: str(value) for name, value in values.items()}, me


def _real_urls(app, values: dict[str, str]):
    """(rule, URL) for every route, filled with real records."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            yield rule, _fill(rule, values)


def _fill(rule, values: dict[str, str]) -> str:
    """The rule's URL with each <converter:name> replaced by values[name], as written (not checked)."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>:]+)>", lambda m: quote(values[m.group(1)], safe="/@"), rule.rule)


def _nul_inside(value: str) -> str:
    """A NUL inside a URL value; a file name gets it before an allowed suffix ('pic.svg\\0.txt')."""
    return f"{value}\x00.txt" if "." in value else value[:1] + "\x00" + value[1:]


def _our_answer(response, what: str, failures: list[str], expect: int | None = None) -> None:
    """Not a 500, and an error is our own page with our headers (or the one asked for)."""
    if response.status_code >= 500 or (expect is not None and response.status_code != expect):
        failures.append(f"{what} -> {response.status_code}")
    elif response.status_code >= 400 and response.headers.get("X-Frame-Options") != "DENY":
        failures.append(f"{what} -> {response.status_code} without our headers")


@pytest.mark.parametrize("role", ["guest", "trainee", "trainer", "admin"])
def test_every_route_survives_hostile_shapes_on_real_records(app, client, session, users, role):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    values, me = _world(session, users, role)
    if me is not None:
        users.login(me)
    token = csrf_token(client, "/login" if me is None else "/support")
    failures: list[str] = []
    email_fields: set[tuple[str, str]] = set()
    json_posts: list[tuple[bool, str, dict]] = []
    for index, (rule, url) in enumerate(_real_urls(app, values)):
        method = "GET" if "GET" in rule.methods else "POST"
        # A Host that no URL can be built for: our 400, before anything else runs.
        response = client.open(url, method=method, headers={"Host": LONG_LABEL_HOST})
        _our_answer(response, f"{method} {url} (long Host label)", failures, expect=400)
        if rule.arguments:
            # A NUL in the path (in its last value, the others real): no page is there.
            last = re.findall(r"<(?:[^<>:]+:)?([^<>:]+)>", rule.rule)[-1]
            nul_url = _fill(rule, {**values, last: _nul_inside(values[last])})
            _our_answer(client.open(nul_url, method=method), f"{method} {nul_url!r}", failures, expect=404)
        if method == "GET":
            # A page number no database integer can hold; every email field on the page gets every email.
            response = client.get(f"{url}?page={HUGE_PAGE}")
            _our_answer(response, f"GET {url}?page={HUGE_PAGE}", failures)
            for action, body in EMAIL_FORM_RE.findall(response.get_data(as_text=True)):
                email_fields.update((action or url, name) for name in EMAIL_INPUT_RE.findall(body))
        if "POST" in rule.methods and rule.endpoint not in ("auth.logout", "privacy.delete"):
            json_posts.append((rule.endpoint in ENDING, url, JSON_BODIES[index % 2]))
    assert role == "trainee" or email_fields, "no email field was found"
    for action, name in sorted(email_fields):
        for email in EMAILS:
            form = {"csrf_token": token, name: email, "kind": "single", "days": "14", "display_name": "Owl",
                    "password": "wrong password", "confirm": "wrong password"}
            _our_answer(client.post(action, data=form), f"POST {action} ({name}={email[:40]!r})", failures)
    for _ending, url, body in sorted(json_posts, key=lambda post: post[0]):
        response = client.post(url, json=body, headers={"X-CSRFToken": token})
        _our_answer(response, f"POST {url} (JSON)", failures)
        # Every field sent as an uploaded file, which no page takes (lms.core.security.CleanRequest).
        files = {field: (io.BytesIO(b"x"), "a.txt") for field in JSON_FIELDS if field != "csrf_token"}
        response = client.post(url, data={"csrf_token": token, **files}, content_type="multipart/form-data")
        _our_answer(response, f"POST {url} (files)", failures)
    assert not failures, "\n".join(failures[:40])


def test_an_id_from_a_form_or_url_is_ascii_digits_within_the_databases_integer():
    """`parse_id`: '²' and other digits `int()` refuses, and numbers past MAX_INTEGER (which overflow SQLite's
    integer), are no id at all, so the caller's own message answers them rather than a 500."""
    from lms.core.models import MAX_INTEGER, parse_id

    assert parse_id("12") == 12 and parse_id(" 7 ") == 7 and parse_id("0") == 0
    assert parse_id(str(MAX_INTEGER)) == MAX_INTEGER
    for junk in ("²", "١", "1²", str(MAX_INTEGER + 1), "99999999999999999999", "-1", "+1", "1.0", "", " ", None):
        assert parse_id(junk) is None, junk


def test_filters_given_only_spaces_or_a_cohort_not_theirs_are_answered_on_the_page(app, client, session, users):
    """'?cohort=+' passes WTForms' Optional() and once reached int(); a cohort not the trainer's is a form error."""
    from tests.factories import make_cohort

    trainer = users.create(role="trainer")
    make_cohort(session, trainer)
    users.login(trainer)
    for url in ("/trainer/reviews?cohort=+", "/trainer/reviews?cohort=%09",
                "/trainer/scenarios/late-post?cohort=+"):
        assert client.get(url).status_code == 200, url
    printed = client.post("/certificates/print", data={"csrf_token": csrf_token(client, "/certificates/print"),
                                                       "cohort": "999"})
    assert printed.status_code == 400 and "Choose one of the options in the list." in printed.get_data(as_text=True)
