"""What pages and the API share about a request: its ids, and answering with a CSV file."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
from datetime import date
from typing import Any
from urllib.parse import quote

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


def slug(name: str, ascii_only: bool = True, fallback: str = "coalition") -> str:
    """`name` as a safe piece of a file name: lower case letters and digits joined by hyphens, at most 60
    characters; with `ascii_only`, accents dropped (Coaliția -> coalitia) and other scripts left out."""
    text = unicodedata.normalize("NFKC", name).casefold()
    if ascii_only:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[^\W_]+", text)
    return "-".join(words)[:60].strip("-") or fallback


def dated_filename(name: str, what: str, day: date, ext: str = "csv") -> tuple[str, str]:
    """The ASCII file name and the Unicode one for `what` of `name` on `day`, e.g.
    clean-rivers-coalition-audit-2026-12-04.csv."""
    tail = f"-{what}-{day.isoformat()}.{ext}"
    return slug(name) + tail, slug(name, ascii_only=False) + tail


def attachment(filename: str, unicode_name: str | None = None) -> str:
    """A Content-Disposition naming the download (RFC 6266), with `filename*` (RFC 5987) when the Unicode name
    differs from the ASCII one."""
    header = f'attachment; filename="{filename}"'
    if unicode_name and unicode_name != filename:
        header += f"; filename*=UTF-8''{quote(unicode_name, safe='')}"
    return header


def csv_response(
    rows: list[dict[str, Any]],
    columns: tuple[str, ...],
    filename: str,
    unicode_name: str | None = None,
    excel: bool = False,
) -> Response:
    """The rows of `event_rows` as a CSV attachment, one column per `columns`; `excel` starts it with a UTF-8
    signature (BOM), without which Excel on Windows reads the file in the system's code page."""
    out = io.StringIO()
    if excel:
        out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([_cell(row[column]) for column in columns] for row in rows)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": attachment(filename, unicode_name)},
    )
