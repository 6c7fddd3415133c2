"""Bad input of any kind gets a clear answer, never a 500: every route, every role."""
import pytest

from tests.conftest import csrf_token

# Values that have broken web apps before: unknown ids, traversal, control and
# non-Latin characters, very long text, numbers out of range.
NASTY = ["nope", "..", "%2e%2e%2f", "x" * 3000, "é丁ل", "0", "-1", "9" * 40, "%00", "null", "<b>"]
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
