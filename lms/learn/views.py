"""Catalogue, course and step pages, questions, assessments, reflections, my training."""
from flask import Blueprint

bp = Blueprint("learn", __name__)
