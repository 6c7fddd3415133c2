"""Markdown in content: rendering (render), links (links) and raw-HTML warnings (html_lint).

This module keeps the names other packages, tests and the benchmark import from
`lms.content.markdown`; the code lives in the three modules above.
"""

from .html_lint import unsafe_html_warnings
from .links import WEB_SCHEMES, LinkResolver
from .render import (
    RENDER_BUDGET_SECONDS,
    ChatExtension,
    RenderTooSlow,
    make_markdown,
    render_pieces,
    unwrap_paragraph,
)

__all__ = [
    "RENDER_BUDGET_SECONDS", "WEB_SCHEMES", "ChatExtension", "LinkResolver", "RenderTooSlow", "make_markdown",
    "render_pieces", "unsafe_html_warnings", "unwrap_paragraph",
]
