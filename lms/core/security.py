"""Response headers that every page gets; requests no view has to distrust."""
from __future__ import annotations

from typing import Any

from flask import Flask, Request, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, MapAdapter
from werkzeug.utils import cached_property

from lms.core.models import MAX_INTEGER

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app: Flask) -> None:
    trust_proxies(app)

    policy = [("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("X-Content-Type-Options", "nosniff"),
              ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
              ("Permissions-Policy", "camera=(), microphone=(), geolocation=()")]
    if app.config["SESSION_COOKIE_SECURE"]:
        policy.append(("Strict-Transport-Security", "max-age=31536000"))

    @app.after_request
    def _headers(response):
        headers = response.headers
        present = {name.lower() for name, _value in headers.items()}  # one pass, not a scan per name
        headers.extend([(name, value) for name, value in policy if name.lower() not in present])
        # Pages carry personal data or per-session form tokens: never cache them.
        # Static files and responses that chose their own policy keep it.
        if request.endpoint != "static" and "cache-control" not in present:
            headers["Cache-Control"] = "no-store"
        return response


def trust_proxies(app: Flask) -> None:
    """Take the client address and scheme from X-Forwarded-For/-Proto, set by LMS_TRUSTED_PROXIES proxies.

    Only as many hops as there are proxies are believed (Werkzeug's ProxyFix
    reads from the right), so a client cannot pick its own address by sending
    the header itself. With no proxies configured the headers are ignored. The
    Host header is never believed: absolute links use LMS_PUBLIC_BASE_URL.
    """
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _without_nul(values: MultiDict[str, Any]) -> ImmutableMultiDict[str, Any]:
    return ImmutableMultiDict([(k.replace("\x00", ""), v.replace("\x00", "") if isinstance(v, str) else v)
                               for k, v in values.items(multi=True)])


class CleanRequest(Request):
    """A request whose form, JSON and query values are plain text without NUL characters, and which carries
    no uploaded files.

    No database text column can store NUL (PostgreSQL refuses it outright), and
    no person types one: dropping them here, once, means every form and service
    can trust its strings. No page takes a file, but Flask-WTF reads a file part
    as a field's value, which text validators cannot measure: file parts are
    dropped, so such a field is simply missing and its form says so. A path with
    a NUL is refused (see `refusal`).
    """

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None and any("\x00" in k or "\x00" in v for k, v in form.items(multi=True)):
            self.__dict__["form"] = _without_nul(form)
        if self.__dict__.get("files"):
            self.__dict__["files"] = ImmutableMultiDict()

    @cached_property
    def args(self) -> MultiDict[str, str]:
        args = super().args
        return _without_nul(args) if any("\x00" in k or "\x00" in v for k, v in args.items(multi=True)) else args


    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """A JSON body as the form a browser would send: text values only.

        No page here takes JSON, but Flask-WTF reads a JSON body as a form's
        data; `{"text": 5}` would then hand a number to fields and services
        that expect text. Numbers and true/false become their text, null is
        left out, a list of plain values is one value per item; anything else
        (an array at the top, an object inside) is refused with a 400.
        """
        data = super().get_json(force=force, silent=silent, cache=cache)
        if data is None:
            return None
        if not isinstance(data, dict):
            raise BadRequest("The JSON body should be an object of field names and values.")
        values: dict[str, Any] = {}
        for key, value in data.items():
            items = [_form_text(item) for item in value] if isinstance(value, list) else [_form_text(value)]
            values[key.replace("\x00", "")] = [item for item in items if item is not None]
        return values

    @cached_property
    def refusal(self) -> HTTPException | None:
        """Why this request is answered with an error before anything else runs, if it is."""
        if "\x00" in self.path:
            # No file, id or name holds a NUL: no page can be there.
            return NotFound()
        return None


def _form_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value.replace("\x00", "")
    raise BadRequest("A JSON value should be text, a number, true, false or null.")


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, its serializer made once per set of keys instead of on every request."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # The keys are part of the cache's key: a changed SECRET_KEY or fallback list makes a new serializer.
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        try:
            return self._serializers[keys]
        except KeyError:
            if len(self._serializers) >= 16:  # old keys (tests make many apps): forget them
                self._serializers.clear()
            made = self._serializers[keys] = super().get_signing_serializer(app)
            return made


class LmsFlask(Flask):
    """Flask whose error pages work for any request, even one whose Host header is unusable; its session
    cookie's serializer is made once (SessionCookies)."""

    request_class = CleanRequest
    session_interface = SessionCookies()

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        try:
            return super().create_url_adapter(request)
        except HTTPException as exc:
            if not isinstance(request, CleanRequest):
                raise
            # A Host no URL can be built for (a label over 63 characters, say).
            # Flask would leave the request without a URL adapter, and the error
            # page could not link its own stylesheet: answer with our 400 page,
            # its links built for a placeholder host (they are paths only).
            request.__dict__["refusal"] = exc
            return self.url_map.bind("invalid", url_scheme=request.scheme)

    def url_for(self, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values: Any) -> str:
        """Absolute links (`_external=True`) start with LMS_PUBLIC_BASE_URL, never the request's Host header.

        A Host header is whatever the client sent: an invitation link built from
        it could point a trainee at someone else's site.
        """
        if _external and _scheme is None and has_request_context():
            path = super().url_for(endpoint, _anchor=_anchor, _method=_method, _external=False, **values)
            return str(self.config["PUBLIC_BASE_URL"]).rstrip("/") + path
        return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external,
                               **values)

    def preprocess_request(self):
        refusal = request.refusal
        if refusal is not None:
            raise refusal
        return super().preprocess_request()


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to what an INTEGER id column can hold on every backend."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INTEGER)
        super().__init__(map, *args, **kwargs)
