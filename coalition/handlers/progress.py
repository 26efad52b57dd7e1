"""Progress on the common objectives: record a value an objective's indicator reached, or correct one."""

from __future__ import annotations

from datetime import date
from typing import Any

from coalition.domain import progress
from coalition.handlers import Context
from coalition.handlers.reading import run


def record_progress(
    context: Context,
    coalition_id: str,
    objective_id: str,
    *,
    value: float,
    as_of: date,
    note: str | None = None,
    organisation_id: str | None = None,
    supersedes: str | None = None,
) -> dict[str, Any]:
    """A facilitator or a member's liaison records where an objective stands on `as_of`: {id}.

    A correction is a new point naming the one it `supersedes`; the old point stays in the log.
    """
    progress_id = context.new_id()
    note = note.strip() if note and note.strip() else None
    command = progress.RecordProgress(progress_id, objective_id, value, as_of, note, organisation_id, supersedes)
    return run(context, coalition_id, command, {"id": progress_id})
