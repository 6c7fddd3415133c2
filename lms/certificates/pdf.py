"""HTML to PDF with WeasyPrint, sealed: the only module that imports weasyprint.

The renderer may read nothing but `data:` URLs and files inside the project's
certificate assets folder (`lms/certificates/assets/`): no other `file:` URL, no
network, hence no redirects. A certificate carries a trainee's name, so a name
such as `<img src=file:///etc/passwd>` must never make the renderer fetch anything
(templates escape it; the fetcher is the second line of defence).
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.text.fonts import FontConfiguration

from lms.core import metrics

# WeasyPrint logs every layout step at INFO; one line per step per render is noise.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

#: The only folder the renderer may read files from (fonts, logo, stylesheet).
ASSETS_DIR = Path(__file__).resolve().parent / "assets"
#: PDF 1.4 writes a classic cross-reference table and no object streams: the
#: stored files open and merge cheaply when bulk printing.
PDF_VERSION = "1.4"


#: One font configuration reused by successive renders: building a fresh one (as
#: WeasyPrint does by default) reloads fontconfig and every Pango font each time,
#: about a third of a certificate's render time. Pango is not safe for concurrent
#: use, so a render borrows it under the lock and a render that finds it busy (a
#: concurrent request, or an abandoned render still running) makes its own.
_shared_fonts: FontConfiguration | None = None
_shared_fonts_lock = threading.Lock()


def _write_pdf(document: weasyprint.HTML) -> bytes:
    global _shared_fonts
    if not _shared_fonts_lock.acquire(blocking=False):
        return document.write_pdf(pdf_version=PDF_VERSION, font_config=FontConfiguration())
    try:
        if _shared_fonts is None:
            _shared_fonts = FontConfiguration()
        return document.write_pdf(pdf_version=PDF_VERSION, font_config=_shared_fonts)
    finally:
        _shared_fonts_lock.release()


class RenderError(RuntimeError):
    """The PDF could not be made; the message is safe to show."""


class FetchRefused(ValueError):
    """The document asked for a resource outside the sealed set (the resource is left out)."""


class SealedFetcher(weasyprint.URLFetcher):
    """Serve `data:` URLs and files inside ASSETS_DIR; refuse everything else.

    No HTTP handler is ever reached (nor, so, any redirect): the scheme is
    checked before urllib sees the URL.
    """

    def __init__(self) -> None:
        super().__init__(timeout=5, allowed_protocols={"data", "file"}, allow_redirects=False)

    def fetch(self, url: str, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()  # resolve: symlinks may not lead out
            if path.is_relative_to(ASSETS_DIR) and path.is_file():
                return weasyprint.urls.URLFetcherResponse(path.as_uri(), body=path.read_bytes())
        raise FetchRefused(f"refused to fetch {url[:80]!r}")


def render_pdf(html: str, *, timeout: float, url_fetcher: SealedFetcher | None = None) -> bytes:
    """Render an HTML document to PDF bytes, or raise RenderError.

    Rendering runs in a worker thread so that a caller is never held longer than
    `timeout` seconds; a render that overruns is abandoned (it cannot touch the
    database) and RenderError is raised. `url_fetcher` lets tests spy on fetches:
    pass a SealedFetcher subclass.
    """
    result: dict[str, object] = {}

    def work() -> None:
        try:
            document = weasyprint.HTML(string=html, base_url=ASSETS_DIR.as_uri() + "/",
                                     url_fetcher=url_fetcher or SealedFetcher())
            result["pdf"] = _write_pdf(document)
        except BaseException as exc:  # handed to the caller below
            result["error"] = exc

    worker = threading.Thread(target=work, name="render-pdf", daemon=True)
    with metrics.timed(metrics.CERTIFICATE_RENDER):
        worker.start()
        worker.join(timeout)
    if worker.is_alive():
        raise RenderError(f"The PDF took longer than {timeout:g} seconds to make.")
    if "error" in result:
        raise RenderError("The PDF could not be made.") from result["error"]  # type: ignore[misc]
    return result["pdf"]  # type: ignore[return-value]
