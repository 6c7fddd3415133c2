"""The wheel is the whole app (issue 10, item 2).

Builds the wheel from a copy of the sources, installs it with the locked
dependencies into a fresh virtual environment outside the checkout, and, from a
folder outside the checkout, migrates a SQLite database, serves pages and static
files, and renders a certificate: templates, static files, certificate assets and
migrations all have to come from the installed package. Runs once, not per
database backend. uv's cache keeps it offline and quick.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import DATA_KEY

ROOT = Path(__file__).resolve().parent.parent
UV = str(Path(sys.executable).with_name("uv"))
CONTENT = Path(__file__).parent / "content" / "fixtures" / "good"
HOLDER = "Ada Wheelwright"

APP_SCRIPT = textwrap.dedent("""
    import sys
    from datetime import date, datetime, timezone
    from pathlib import Path

    import lms
    from lms.certificates import document
    from lms.models import Certificate
    from lms.certificates.services import new_code

    print("module", lms.__file__)
    app = lms.create_app()
    print("instance", app.instance_path)
    print("content", app.config["CONTENT_DIR"])
    client = app.test_client()
    for url in ("/", "/login", "/static/app.css"):
        response = client.get(url)
        print("page", url, response.status_code, response.get_data(as_text=True).count("Peer Support Training"))
    with app.app_context():
        record = Certificate(
            holder_name=sys.argv[2], course_id="listening", course_title="Listening", course_version="1",
            certificate_title="Listener", hours=1.5, status="issued", code=new_code(), assessed_how="Assessed",
            signatory="Training Lead", issuer_name="Example Charity", issuer_number="1234567",
            completed_on=date(2027, 3, 1), valid_until=None, issued_at=datetime(2027, 3, 1, tzinfo=timezone.utc))
        Path(sys.argv[1]).write_bytes(document.make_pdf(document.document_values(record, document.current_branding())))
""")


def _run(argv: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=120, **kwargs)
    assert result.returncode == 0, f"{argv}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the built wheel and the locked dependencies, nothing else."""
    work = tmp_path_factory.mktemp("wheel")
    # Built from a copy: building writes build/ and *.egg-info next to the sources.
    source = work / "source"
    shutil.copytree(ROOT / "lms", source / "lms", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    uv_env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    uv_env.update(UV_NO_PROGRESS="1", UV_PYTHON_DOWNLOADS="never")
    _run([UV, "build", "--quiet", "--wheel", "--out-dir", work / "dist", source], env=uv_env)
    [wheel] = (work / "dist").glob("lms-*.whl")
    _run([UV, "export", "--quiet", "--frozen", "--no-hashes", "--no-emit-project", "--no-dev",
          "--output-file", work / "locked.txt"], cwd=ROOT, env=uv_env)
    venv = work / "venv"
    _run([UV, "venv", "--quiet", "--python", sys.executable, venv], env=uv_env)
    # Compiled at install, in parallel: else every first import in the test compiles it, one by one.
    _run([UV, "pip", "install", "--quiet", "--compile-bytecode", "--python", venv / "bin" / "python",
          "--constraint", work / "locked.txt", wheel], env=uv_env)
    return venv


def test_the_installed_wheel_migrates_serves_and_renders_certificates(venv: Path, tmp_path: Path):
    site = tmp_path / "site"  # a charity's folder: its content, its instance, its database
    shutil.copytree(CONTENT, site)
    bare = {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": os.environ.get("HOME", str(tmp_path))}
    env = {**bare, "SECRET_KEY": "a-long-enough-secret-for-the-wheel-test-0123456789", "LMS_DATA_KEYS": DATA_KEY,
           "DATABASE_URL": f"sqlite:///{site / 'lms.sqlite3'}", "LMS_PUBLIC_BASE_URL": "https://training.example.org"}

    # The content commands need nothing configured; the content folder defaults to the current one.
    checked = _run(["lms", "check"], cwd=site, env=bare)
    assert checked.stdout.splitlines()[-1] == "0 errors, 0 warnings; 1 course and 1 scenario ready"

    upgraded = _run(["lms", "db", "upgrade"], cwd=site, env=env)
    assert "The database is up to date." in upgraded.stdout

    pdf = tmp_path / "certificate.pdf"
    result = _run([venv / "bin" / "python", "-c", APP_SCRIPT, pdf, HOLDER], cwd=site, env=env)
    facts = [line.split(" ", 1) for line in result.stdout.splitlines() if line.split(" ", 1)[0] in
             ("module", "instance", "content", "page")]
    module = Path(dict(facts)["module"]).resolve()
    assert module.is_relative_to(venv.resolve()) and not module.is_relative_to(ROOT)
    # Installed, the instance folder and the content default to the current folder, not the package's.
    assert Path(dict(facts)["instance"]) == site / "instance"
    assert Path(dict(facts)["content"]) == site
    pages = {fields[0]: fields[1:] for fields in (value.split() for key, value in facts if key == "page")}
    assert pages["/"][0] == "200" and int(pages["/"][1]) >= 1  # the site's name, from the packaged templates
    assert pages["/login"][0] == "200" and int(pages["/login"][1]) >= 1
    assert pages["/static/app.css"][0] == "200"

    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert HOLDER in text and "Listener" in text
