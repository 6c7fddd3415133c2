"""QR codes as one SVG path.

segno draws the whole symbol as a single `<path>`; WeasyPrint renders that in a
few milliseconds, whereas hundreds of `<rect>` modules cost about 100 ms more
per page and hundreds of megabytes for a long document (ENVIRONMENT.md).
"""
from __future__ import annotations

import segno


def qr_data_url(text: str, *, dark: str = "#000") -> str:
    """A `data:image/svg+xml` URL of a QR code for text (medium error correction)."""
    qr = segno.make(text, error="m", micro=False)
    # border=4 is the quiet zone scanners need; scale only sets the intrinsic size.
    return qr.svg_data_uri(scale=4, border=4, dark=dark, xmldecl=False, svgns=True, nl=False)

