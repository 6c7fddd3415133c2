"""Certificates: claim, download, verify; trainer lists, sign-off, revoke, bulk print."""
from flask import Blueprint

bp = Blueprint("certificates", __name__)
