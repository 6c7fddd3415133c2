"""Home and the support page."""
from flask import Blueprint, Flask, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user

from lms.catalog.services import catalog_for_reader
from lms.core import clock, settings
from lms.core import support as support_words
from lms.core.access import public
from lms.core.db import db
from lms.learning import dashboard

bp = Blueprint("main", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register this feature's pages."""
    app.register_blueprint(bp)


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    return redirect(url_for("main.home"))


@bp.route("/home")
def home():
    """The trainee's starting point: a greeting and their training, as My training shows it (trainers' feedback
    first), with the role-plays they paused."""
    reader = catalog_for_reader()
    return render_template("main/home.html", **dashboard.my_training(
        db.session, current_user.id, reader.courses, reader.scenarios, clock.today()))


@bp.route("/support")
@public
def support():
    return render_template(
        "main/support.html",
        contacts=support_words.contacts(),
        intro=support_words.in_reader_language(settings.get("SUPPORT_INTRO")),
    )


@bp.route("/favicon.ico")
@public
def favicon():
    """The site icon where browsers look for it without a page (a PDF, a JSON answer): the SVG every page links."""
    return send_from_directory(str(current_app.static_folder), "favicon.svg", mimetype="image/svg+xml", max_age=86400)
