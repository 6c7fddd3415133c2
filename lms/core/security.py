"""Response headers that every page gets."""
from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

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
    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Pages carry personal data or per-session form tokens: never cache them.
        # Static files and responses that chose their own policy keep it.
        if request.endpoint != "static" and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        return response


def _without_nul(values: MultiDict) -> ImmutableMultiDict:
    return ImmutableMultiDict([(k.replace("\x00", ""), v.replace("\x00", "") if isinstance(v, str) else v)
                               for k, v in values.items(multi=True)])


class CleanRequest(Request):
    """A request whose form and query values hold no NUL characters.

    No database text column can store NUL (PostgreSQL refuses it outright), and
    no person types one: dropping them here, once, means every form and service
    can trust its strings.
    """

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None and any("\x00" in k or "\x00" in v for k, v in form.items(multi=True)):
            self.__dict__["form"] = _without_nul(form)

    @cached_property
    def args(self) -> ImmutableMultiDict:
        args = super().args
        return _without_nul(args) if any("\x00" in k or "\x00" in v for k, v in args.items(multi=True)) else args


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to what an INTEGER id column can hold on every backend."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)
