"""A trainee's own data: download it all, delete the account."""
from flask import Blueprint

bp = Blueprint("privacy", __name__)
