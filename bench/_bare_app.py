"""The baseline for bench/serve.py: a bare Flask page rendering a template of a given size.

Not a benchmark itself: run_all.py skips files starting with `_`.
`BENCH_TEMPLATE_BYTES` sets the size of the rendered page (default 4 KB), so the
baseline does the same amount of template output as the page it is compared with.
"""
from __future__ import annotations

import os

from flask import Flask, render_template
from jinja2 import DictLoader

SIZE = int(os.environ.get("BENCH_TEMPLATE_BYTES", "4096"))
PARAGRAPH = "<p>{{ line }} Listening well means giving someone your attention and saying back what you heard.</p>\n"
HEAD = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ title }}</title></head>\n"
        "<body><main><h1>{{ title }}</h1>\n{% for line in lines %}")
TAIL = "{% endfor %}</main></body></html>\n"

app = Flask(__name__)
# Loaded through a loader, as the real app's templates are, so it is compiled once.
app.jinja_loader = DictLoader({"page.html": HEAD + PARAGRAPH + TAIL})
# One paragraph renders to about this many bytes; repeat it to reach SIZE.
_ROW = len(PARAGRAPH.replace("{{ line }}", "Line 00."))
_LINES = [f"Line {n:02d}." for n in range(max(1, (SIZE - len(HEAD) - len(TAIL)) // _ROW))]


@app.route("/")
def page() -> str:
    return render_template("page.html", title="A bare page", lines=_LINES)
