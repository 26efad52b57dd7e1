"""What the audit pages share: their blueprint, the page size, the CSV columns, the as-of check, paging links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from sqlalchemy.engine import Connection

from coalition.reads import audit
from coalition.reads.reports import CSV_COLUMNS

bp = Blueprint("audit", __name__)
PER_PAGE = 50  # events per page of the history (commitments and tasks of a member's), newest first
#: The pages' CSV: the API's columns and each event's chain hash, to cite it.
AUDIT_CSV_COLUMNS = (*CSV_COLUMNS, "hash")


def future(day: date | None, current_day: date) -> list[str]:
    """The error of an as-of day that has not ended yet (none for today or earlier)."""
    if day is None or day <= current_day:
        return []
    return [
        _(
            "%(day)s is in the future: the history ends today, %(today)s.",
            day=day.isoformat(),
            today=current_day.isoformat(),
        )
    ]


def when(recorded_at: str) -> datetime:
    return datetime.fromisoformat(recorded_at)


def day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def excel() -> bool:
    """Whether the download asked for Excel's UTF-8 signature (`?excel=1`)."""
    return request.args.get("excel", "") in ("1", "true", "yes")


def with_hashes(connection: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of `event_rows`, each with the chain hash of its event."""
    hashes = audit.hashes(connection, [row["position"] for row in rows])
    return [{**row, "hash": hashes.get(row["position"], "")} for row in rows]


def pages(endpoint: str, newer: int | None, older: int | None, cursor: bool, **query: Any) -> dict[str, str | None]:
    """The links to the newest, newer, older and oldest pages (None where there is no such page)."""
    return {
        "newest": url_for(endpoint, **query) if newer is not None or cursor else None,
        "newer": url_for(endpoint, **query, after=newer) if newer is not None else None,
        "older": url_for(endpoint, **query, before=older) if older is not None else None,
        "oldest": url_for(endpoint, **query, after=0) if older is not None else None,
    }
