"""The work pages' one blueprint and the paths they share."""

from flask import Blueprint

bp = Blueprint("work", __name__)
COALITION = "/coalitions/<coalition_id>"
COMMITMENT = f"{COALITION}/commitments/<commitment_id>"
TASK = f"{COALITION}/tasks/<task_id>"
