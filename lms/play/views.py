"""The role-play player."""
from flask import Blueprint

bp = Blueprint("play", __name__)
