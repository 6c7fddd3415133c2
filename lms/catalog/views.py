"""Course and scenario assets, and the trainers' page of content problems."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, render_template, send_from_directory
from flask_babel import get_translations

from lms.catalog import services as catalog_module
from lms.content.org import split_site_org
from lms.core import clock
from lms.core.access import role_required

bp = Blueprint("content", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register this feature's pages."""
    app.register_blueprint(bp)

# Assets are trainer-written files: serve a known set of types, never HTML.
ASSET_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".svg": "image/svg+xml", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".m4a": "audio/mp4", ".wav": "audio/wav",
    ".mp4": "video/mp4", ".webm": "video/webm", ".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
}


def _send_asset(assets_dir: Path | None, relpath: str):
    if assets_dir is None:
        abort(404)
    mimetype = ASSET_TYPES.get(Path(relpath).suffix.lower())
    if mimetype is None:
        abort(404)
    base = assets_dir.resolve()
    target = (base / relpath).resolve()
    # send_from_directory refuses "..", but a symlink inside assets/ could still point out.
    if not target.is_relative_to(base) or not target.is_file() or any(
            p.is_symlink() for p in [base / relpath, *(base / relpath).parents] if p.is_relative_to(base)):
        abort(404)
    response = send_from_directory(base, relpath, mimetype=mimetype, max_age=3600)
    if mimetype == "image/svg+xml":
        # An SVG opened directly must not run script.
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/courses/<course_id>/assets/<path:relpath>")
def course_asset(course_id: str, relpath: str):
    course = catalog_module.catalog().course(course_id)
    return _send_asset(course.assets_dir if course else None, relpath)


@bp.route("/scenarios/<scenario_id>/assets/<path:relpath>")
def scenario_asset(scenario_id: str, relpath: str):
    scenario = catalog_module.catalog().scenario(scenario_id)
    return _send_asset(scenario.assets_dir if scenario else None, relpath)


@bp.route("/trainer/content")
@role_required("trainer")
def problems():
    holder = catalog_module.holder()
    current = holder.catalog
    org_values = holder.org()
    words = get_translations()  # the problems' wording is lms.content's, translated in the page's language
    return render_template(
        "content/problems.html", catalog=current, kept=holder.kept, loaded_at=holder.loaded_at,
        problem_text=lambda problem: problem.translated(words.gettext, words.ngettext),
        errors=current.errors, warnings=current.warnings,
        org_values=org_values, org_samples=current.org_still_samples(org_values),
        org_by_language=split_site_org(org_values)[1],
        overdue=current.review_overdue(clock.today()),
    )
