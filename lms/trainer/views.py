"""Trainer pages: cohorts, progress, scenario insight, exports."""
from flask import Blueprint

bp = Blueprint("trainer", __name__, url_prefix="/trainer")
