"""What the drafting pages share: their blueprint, the statement with the reader's powers, and links."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, url_for
from sqlalchemy.engine import Connection

from coalition.reads import statements as read
from coalition.reads.access import readers_snapshot
from coalition.reads.powers import Powers, powers
from coalition.reads.standing import Moment
from coalition.reads.text import render_markdown
from coalition.web.pages import require_member
from coalition.web.pages.drafting_forms import TextForm
from coalition.web.reading import now, today

bp = Blueprint("drafting", __name__)
STATEMENTS = "/coalitions/<coalition_id>/statements"
STATEMENT = f"{STATEMENTS}/<statement_id>"


# -- reading --------------------------------------------------------------------------------------


def load(connection: Connection, coalition_id: str, statement_id: str) -> tuple[read.StatementView, Powers]:
    """The statement (404 if not of this coalition) and what the reader may do (403 unless a member's person)."""
    found = read.view(connection, statement_id, signatures_too=False)  # no page of drafting shows them
    if found is None or found.statement["coalition_id"] != coalition_id:
        abort(404)
    reader = require_member(connection, coalition_id)
    # the rules asked (`powers`) are about the reader's organisations and the one the statement was drafted for
    snap = readers_snapshot(connection, coalition_id, reader, Moment(None, today()), [found.statement["drafted_for"]])
    return found, powers(snap, reader, found.statement)


def state_of(found: read.StatementView) -> str:
    """The statement's phase now."""
    return read.phase(found.statement, now())


def editor_url(coalition_id: str, statement_id: str) -> str:
    """The statement's editor page."""
    return url_for("drafting.edit", coalition_id=coalition_id, statement_id=statement_id)


def statement_url(coalition_id: str, statement_id: str) -> str:
    """The statement's page."""
    return url_for("statements.show", coalition_id=coalition_id, statement_id=statement_id)


def preview_of(form: TextForm) -> dict[str, Any]:
    """The posted (valid) text rendered as it will read; nothing is saved."""
    return {"title": form.title.data, "body": render_markdown(str(form.body.data))}
