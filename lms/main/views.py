"""Home and the support page."""
from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user

from lms import settings
from lms.access import public
from lms.learn.views import my_training_context

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    return redirect(url_for("main.home"))


@bp.route("/home")
def home():
    """The trainee's starting point: a greeting and their training."""
    return render_template("main/home.html", **my_training_context())


@bp.route("/support")
@public
def support():
    return render_template(
        "main/support.html",
        contacts=current_app.config["SUPPORT_CONTACTS"],
        intro=settings.get("SUPPORT_INTRO"),
    )
