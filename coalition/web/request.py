"""What pages and the API share about a request: its ids, and answering with a CSV file."""

from __future__ import annotations

import csv
import io
import re
import uuid
from typing import Any

from flask import Response, g, request

#: A caller's request id we keep: 1 to 64 letters, digits and `-._:` (a UUID, a trace id).
CALLER_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id() -> str:
    """This request's id, made here and never taken from the caller: the correlation id of what it records.

    A caller could otherwise plant someone else's id in the permanent log; theirs is `caller_request_id`.
    """
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    return str(g.request_id)


def caller_request_id() -> str | None:
    """The caller's own `X-Request-Id` when it is 1 to 64 of `A-Za-z0-9._:-` (else None: not kept)."""
    given = request.headers.get("X-Request-Id", "").strip()
    return given if CALLER_REQUEST_ID.fullmatch(given) else None


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
