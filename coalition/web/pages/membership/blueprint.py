"""The membership pages' one blueprint: agreement, joining, members and roles add their routes to it."""

from flask import Blueprint

bp = Blueprint("membership", __name__)
