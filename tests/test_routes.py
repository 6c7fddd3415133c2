"""Every route: login unless public, CSRF on every POST, headers, friendly errors."""
import re

from lms.core.db import db

# Values for URL parameters when walking routes; ids that do not exist are fine:
# the point is that nothing answers before login.
SAMPLE_ARGS = {"int": "1", "string": "sample", "path": "sample/file.png", "default": "sample"}
#: POSTs that carry their own proof instead of a form token: the one-click unsubscribe link (RFC 8058),
#: which mail programs POST to with no form. A bad token there changes nothing (404).
CSRF_EXEMPT = {"mail.unsubscribe"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        args = {arg: SAMPLE_ARGS.get(type(rule._converters[arg]).__name__.replace("Converter", "").lower(), "1")
                for arg in rule.arguments}
        with app.test_request_context():
            from flask import url_for
            url = url_for(rule.endpoint, **args)
        yield rule, url


def test_every_route_needs_login_unless_public(app, client):
    public_seen = set()
    for rule, url in _routes(app):
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if getattr(view, "is_public", False):
                public_seen.add(rule.endpoint)
                assert response.status_code != 500, f"{method} {url} failed"
                continue
            if method == "GET":
                assert response.status_code == 302 and "/login" in response.headers["Location"], \
                    f"{method} {url} answered {response.status_code} without login"
            else:
                # POSTs are refused before login, by CSRF or by the login check.
                assert response.status_code in (302, 400), f"{method} {url} answered {response.status_code}"
    assert {"auth.login", "auth.register", "main.support", "main.index"} <= public_seen


def test_every_post_without_csrf_token_is_refused(app, client, users):
    admin = users.create(role="admin")
    users.login(admin)
    posts = [(rule, url) for rule, url in _routes(app) if "POST" in rule.methods]
    assert posts
    for rule, url in posts:
        response = client.post(url, data={})
        if rule.endpoint in CSRF_EXEMPT:
            assert response.status_code == 404, f"POST {url} with a made-up token answered {response.status_code}"
            continue
        assert response.status_code == 400, f"POST {url} without a CSRF token answered {response.status_code}"
        assert "This form had expired" in response.get_data(as_text=True)
    # ...and the admin is still logged in: nothing was done.
    assert client.get("/home").status_code == 200


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_no_inline_script_anywhere(client, users):
    users.login(users.create(role="admin"))
    for url in ("/home", "/support", "/account/password"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_support_link_on_every_page(client, users):
    for url in ("/", "/login", "/register", "/nope-404"):
        assert 'href="/support"' in client.get(url).get_data(as_text=True), url
    page = client.get("/support").get_data(as_text=True)
    for contact in ("Samaritans", "116 123", "85258", "111", "Childline", "0800 1111", "0800 068 4141", "999"):
        assert contact in page


def test_support_contacts_are_configurable(app, client):
    app.config["SUPPORT_CONTACTS"] = [{"name": "Lifeline Aotearoa", "contact": "0800 543 354"}]
    page = client.get("/support").get_data(as_text=True)
    assert "Lifeline Aotearoa" in page and "Samaritans" not in page


def test_friendly_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


def test_friendly_500_without_stack_trace(app, client):
    @app.route("/boom")
    def boom():  # pragma: no cover - the handler is what is tested
        raise RuntimeError("secret internals")

    boom.is_public = True
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_out_of_date_schema_is_refused_with_the_command(app, client, session):
    from sqlalchemy import text

    (newest,) = db.schema_status()[1]
    session.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    session.commit()
    from lms import create_app

    other = create_app(dict(app.config))
    response = other.test_client().get("/login")
    assert response.status_code == 503
    assert "lms db upgrade" in response.get_data(as_text=True)
    session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": newest})
    session.commit()


def test_ids_too_large_for_the_database_are_404(app, client, users):
    """Every <int:...> route: an id too large for the database is 'not found', never an overflow error."""
    users.login(users.create(role="admin"))
    huge = str(2**31)  # one past the largest INTEGER id (PostgreSQL would overflow)
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not any(type(c).__name__ == "BoundedIntConverter"
                                                for c in rule._converters.values()):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", huge).replace(f"<{name}>", "sample").replace(f"<path:{name}>", "x")
        assert client.get(url).status_code == 404, url
        checked += 1
    assert checked > 5
