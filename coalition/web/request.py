"""What pages and the API share about a request: its id, and answering with a CSV file."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from flask import Response, g, request


def request_id() -> str:
    """This request's id: the caller's `X-Request-Id` if sensible, else a new one; it becomes the correlation id."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-Id", "").strip()
        g.request_id = given if 0 < len(given) <= 64 and given.isprintable() else uuid.uuid4().hex
    return str(g.request_id)


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(rows: list[dict[str, Any]], columns: tuple[str, ...], filename: str) -> Response:
    """The rows of `event_rows` as a CSV attachment, one column per `columns`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([_cell(row[column]) for column in columns] for row in rows)
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
