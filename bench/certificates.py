"""Certificates: one render, a repeat download and a 500-certificate bulk print.

The reference is a bare WeasyPrint render of the same certificate, one-path QR
code and all: plain `weasyprint.HTML(string=...).write_pdf()`, with no sealed
fetcher, time limit or shared font set-up (issue #6: "a bare A4 certificate
renders in about 65 ms when its QR code is a single SVG path"). The ratio to it
measures what the app's pipeline adds to WeasyPrint itself. For scale, a
minimal A4 page holding only a one-path QR code is also rendered through
lms.certificates.pdf.render_pdf; it is not a certificate, so it is printed, not judged.
All timed in the same run (interleaved, medians over BENCH_ROUNDS rounds,
default 7). Targets (issue #6):

- first render of a certificate   <= 1.2 x the bare certificate render;
- repeat download (the stored bytes read from the database, through the Flask
  test client) >= 50 x faster than a render; printed next to the view alone and a bare logged-in page
  (/support), the fixed cost of any request;
- bulk print of BENCH_CERTIFICATES (default 500) issued certificates >= 20 x
  faster than rendering them (N x one render), peak memory < 300 MB.

The bulk print runs in a child process so that its peak RSS (ru_maxrss, which
includes the interpreter and WeasyPrint's libraries) is its own.
The bulk print is timed without tracemalloc, which would distort it. The database
holds BENCH_CERTIFICATES issued rows whose stored PDFs are BENCH_DISTINCT
(default 25) real renders of different names, reused round-robin: merging
cost does not depend on which name a page carries, and rendering 500 just to
set up would take most of a minute.

    .venv/bin/python bench/certificates.py
"""
from __future__ import annotations

import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
CERTIFICATES = int(os.environ.get("BENCH_CERTIFICATES", "500"))
DISTINCT = int(os.environ.get("BENCH_DISTINCT", "25"))
NAMES = ("Siân Llŵyd", "Zoë Ó Briain", "Jane Example", "Aleksandra Wiśniewska", "Oluwaseun Adeyemi")


def _app(url: str):
    from lms import create_app
    from tests.conftest import FIXTURE_CONTENT, _config

    return create_app(_config(url, FIXTURE_CONTENT))


def _bare_html() -> str:
    from lms.certificates.qrcode import qr_data_url

    qr = qr_data_url("https://training.example.org/verify/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    return ('<!doctype html><html><head><style>@page { size: A4 landscape; margin: 12mm } '
            'body { font-family: "Noto Sans", sans-serif }</style></head><body>'
            f'<h1>Certificate</h1><p>Jane Example</p><img src="{qr}" width="100"></body></html>')


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _record(n: int, name: str):
    from lms.certificates.models import Certificate
    from lms.certificates.services import new_code

    completed = date.today() - timedelta(days=n % 300)
    return Certificate(
        holder_name=name, course_id="listening", course_title="Listening basics", course_version="bench",
        certificate_title="Listener", hours=1.5, status="issued", code=new_code(),
        assessed_how="Assessed: final assessment passed (pass mark 50%) and role-play practice",
        signatory="Training Lead", issuer_name="Example Peer Support Charity", issuer_number="1234567",
        completed_on=completed, valid_until=completed + timedelta(days=365),
        issued_at=datetime.now(UTC))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        app = _app(url)
        from flask_login import login_user

        from lms.accounts import services as accounts
        from lms.accounts.models import User
        from lms.certificates import document
        from lms.certificates.models import Certificate
        from lms.certificates.pdf import render_pdf
        from lms.core.db import db
        from tests.conftest import PASSWORD, csrf_token

        with app.app_context():
            db.upgrade()
            branding = document.current_branding()
            bare = _bare_html()
            render_pdf(bare, timeout=60)  # warm: fonts and caches, as in a running worker
            document.make_pdf(document.document_values(_record(0, NAMES[0]), branding))

            # 1. One certificate render vs the bare references, interleaved: the minimal page,
            #    and plain weasyprint.HTML(...).write_pdf() of the same certificate document
            #    (no sealed fetcher, no time limit, no shared font set-up: WeasyPrint alone).
            import weasyprint

            bare_times, cert_times, bare_cpu, cert_cpu, plain_times, plain_cpu = [], [], [], [], [], []
            for n in range(ROUNDS):
                values = document.document_values(_record(n, NAMES[n % len(NAMES)]), branding)
                html = document.render_html(values)
                jobs = ((lambda: render_pdf(bare, timeout=60), bare_times, bare_cpu),
                        (lambda: weasyprint.HTML(string=html).write_pdf(), plain_times, plain_cpu),  # noqa: B023 (called in this iteration)
                        (lambda: document.make_pdf(values), cert_times, cert_cpu))  # noqa: B023
                for job, wall, cpu in jobs:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    job()
                    wall.append(time.perf_counter() - start)
                    cpu.append(time.process_time() - start_cpu)
            bare_ms, cert_ms = _median_ms(bare_times), _median_ms(cert_times)
            bare_cpu_ms, cert_cpu_ms = _median_ms(bare_cpu), _median_ms(cert_cpu)
            plain_ms, plain_cpu_ms = _median_ms(plain_times), _median_ms(plain_cpu)

            # Rows for the download and the bulk print.
            user = accounts.create_user(db.session, email="bench@example.org", display_name="Bench",
                                        password=PASSWORD)
            db.session.flush()
            pdfs = [document.make_pdf(document.document_values(_record(n, f"{NAMES[n % len(NAMES)]} {n}"), branding))
                    for n in range(DISTINCT)]
            for n in range(CERTIFICATES):
                row = _record(n, f"{NAMES[n % len(NAMES)]} {n}")
                row.user_id, row.pdf = user.id, pdfs[n % DISTINCT]
                db.session.add(row)
            db.session.commit()
            user_id = user.id
            first_id = db.session.scalar(db.session.query(Certificate.id).order_by(Certificate.id).limit(1).statement)

        # 2. A repeat download through the test client, logged in as the holder, interleaved
        #    with a bare logged-in page (/support): the fixed cost of any request here
        #    (session cookie, Flask-Login's user query, security headers).
        client = app.test_client()
        client.post("/login", data={"email": "bench@example.org", "password": PASSWORD,
                                    "csrf_token": csrf_token(client, "/login")})
        download_url = f"/certificates/{first_id}/pdf"
        client.get(download_url), client.get("/support")
        # Every download reads the stored PDF from the database (no render).
        download_times, download_cpu, floor_times, floor_cpu = [], [], [], []
        for _ in range(ROUNDS * 5):
            for path, wall, cpu in ((download_url, download_times, download_cpu),
                                    ("/support", floor_times, floor_cpu)):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                wall.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                assert response.status_code == 200
            assert client.get(download_url).data.startswith(b"%PDF")
        download_ms, download_cpu_ms = _median_ms(download_times), _median_ms(download_cpu)
        floor_ms, floor_cpu_ms = _median_ms(floor_times), _median_ms(floor_cpu)
        # The view alone, inside a request already logged in (no WSGI, cookie or user query).
        view, view_times = app.view_functions["certificates.download"], []
        for _ in range(ROUNDS * 5):
            with app.test_request_context(download_url):
                login_user(db.session.get(User, user_id))
                start = time.process_time()
                view(certificate_id=first_id)
                view_times.append(time.process_time() - start)
            db.session.remove()
        view_cpu_ms = _median_ms(view_times)
        db.session.remove()
        db.engine.dispose()

        # 3. Bulk print in a child process (its own peak memory), a few rounds.
        bulk = [json.loads(subprocess.run([sys.executable, __file__, "--bulk-child", url], check=True,
                                          capture_output=True, text=True).stdout) for _ in range(3)]
        bulk_s = statistics.median(b["seconds"] for b in bulk)
        bulk_cpu_s = statistics.median(b["cpu_seconds"] for b in bulk)
        peak_mb = max(b["max_rss_mb"] for b in bulk)
        size_mb = bulk[0]["size_mb"]
        pages = bulk[0]["pages"]

    render_all_s, render_all_cpu_s = CERTIFICATES * cert_ms / 1000, CERTIFICATES * cert_cpu_ms / 1000

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    print(f"Certificates benchmark ({ROUNDS} rounds, medians; {CERTIFICATES} certificates in the bulk print)")
    print("  wall-clock time, then CPU time of this process (steadier on a shared machine);")
    print("  verdicts on wall time, then on CPU time")
    print(f"  bare WeasyPrint, same certificate: {plain_ms:8.1f} ms   cpu {plain_cpu_ms:6.1f} ms  (the reference)")
    print(f"  one certificate render (the app) : {cert_ms:8.1f} ms   cpu {cert_cpu_ms:6.1f} ms"
          f"  = {cert_ms / plain_ms:4.2f} x the bare certificate (cpu {cert_cpu_ms / plain_cpu_ms:4.2f} x)"
          f"  target <= 1.20 x: {verdict(cert_ms <= 1.2 * plain_ms)} / {verdict(cert_cpu_ms <= 1.2 * plain_cpu_ms)}")
    print(f"    a minimal A4 page + one-path QR: {bare_ms:8.1f} ms   cpu {bare_cpu_ms:6.1f} ms"
          f"  (for scale, not a certificate: the app's render is {cert_ms / bare_ms:4.2f} x this)")
    print(f"  repeat download (stored PDF)     : {download_ms:8.2f} ms   cpu {download_cpu_ms:6.2f} ms"
          f"  = {cert_ms / download_ms:4.0f} x faster than a render (cpu {cert_cpu_ms / download_cpu_ms:4.0f} x)"
          f"  target >= 50 x: {verdict(cert_ms >= 50 * download_ms)} / {verdict(cert_cpu_ms >= 50 * download_cpu_ms)}")
    print(f"    of which the download view     :             cpu {view_cpu_ms:6.2f} ms"
          f"  = {cert_cpu_ms / view_cpu_ms:4.0f} x faster than a render (cpu)")
    print(f"    a bare logged-in page /support : {floor_ms:8.2f} ms   cpu {floor_cpu_ms:6.2f} ms"
          f"  (per-request floor; 50 x a render allows {cert_cpu_ms / 50:.2f} ms cpu)")
    print(f"  bulk print, {pages} pages          : {bulk_s:8.2f} s    cpu {bulk_cpu_s:6.2f} s"
          f"   vs rendering them {render_all_s:.1f} s = {render_all_s / bulk_s:4.1f} x faster"
          f" (cpu {render_all_cpu_s / bulk_cpu_s:4.1f} x)  target >= 20 x:"
          f" {verdict(render_all_s >= 20 * bulk_s)} / {verdict(render_all_cpu_s >= 20 * bulk_cpu_s)}")
    print(f"  bulk print peak memory           : {peak_mb:8.0f} MB RSS of the whole process"
          f" ({size_mb:.0f} MB PDF written)  target < 300 MB: {verdict(peak_mb < 300)}")


def bulk_child(url: str) -> None:
    """Merge every issued certificate into one PDF; print time and memory as JSON."""
    app = _app(url)
    from lms.accounts.models import User
    from lms.certificates import services as certificates
    from lms.core.db import db

    with app.app_context():
        ids = certificates.bulk_ids(db.session, User(role="admin"), certificates.Search(course_id="listening"))
        out = io.BytesIO()
        start, start_cpu = time.perf_counter(), time.process_time()
        certificates.merge_pdfs(db.session, ids, out)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    import pikepdf

    with pikepdf.open(io.BytesIO(out.getvalue())) as merged:
        pages = len(merged.pages)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "pages": pages,
                      "size_mb": len(out.getvalue()) / 2**20,
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--bulk-child":
        bulk_child(sys.argv[2])
    else:
        main()
