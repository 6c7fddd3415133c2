"""The baselines for bench/serve.py and bench/walk.py: a bare Flask page, and one ORM query.

Not a benchmark itself: run_all.py skips files starting with `_`.
`BENCH_TEMPLATE_BYTES` sets the size of the rendered page (default 4 KB), so the
baseline does the same amount of template output as the page it is compared with.
With `BENCH_DATABASE_URL` set, `/one-query` renders the same page after one ORM
query (a row by primary key, through a scoped session as the app uses), on the
same database the app under test uses.
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


if os.environ.get("BENCH_DATABASE_URL"):
    from sqlalchemy import String, create_engine
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, scoped_session, sessionmaker

    class _Base(DeclarativeBase):
        pass

    class BenchRow(_Base):
        __tablename__ = "bench_one_query"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(100))

    _url = os.environ["BENCH_DATABASE_URL"]
    _engine = create_engine(_url, **({} if _url.startswith("sqlite") else {"pool_size": 5, "max_overflow": 5}))
    _session = scoped_session(sessionmaker(bind=_engine))

    @app.route("/one-query")
    def one_query() -> str:
        row = _session.get(BenchRow, 1)
        return render_template("page.html", title=row.title if row else "missing", lines=_LINES)

    @app.teardown_request
    def _remove(_exc) -> None:
        _session.remove()

    def create_table() -> None:
        """Create and fill the baseline's one-row table (bench/walk.py calls this before serving)."""
        _Base.metadata.create_all(_engine)
        with _session() as session:
            if session.get(BenchRow, 1) is None:
                session.add(BenchRow(id=1, title="One query"))
                session.commit()
        _engine.dispose()
