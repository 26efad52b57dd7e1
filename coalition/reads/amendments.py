"""What an amendment changed between two frozen versions of a statement, word by word (coalition.reads.word_diff
over the versions' stored texts): for people (the page, the e-mail) and for programs (the API)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from coalition.reads.word_diff import ENGLISH, Marks, compare, source_segments
from projections.statement_rows import version_texts


def amendment(
    connection: Connection, statement_id: str, older: str, newer: str, marks: Marks = ENGLISH
) -> dict[str, Any] | None:
    """What changed between two frozen versions, word by word (`word_diff.compare`), with the two version
    numbers: {"before", "after", "languages"}; None if either version is unknown."""
    before, after = version_texts(connection, statement_id, older), version_texts(connection, statement_id, newer)
    if before is None or after is None:
        return None
    # The stored texts have the statement's own language first: it stays first.
    return {
        "before": before["version"],
        "after": after["version"],
        "languages": compare(before["texts"], after["texts"], marks),
    }


def word_segments(connection: Connection, statement_id: str, older: str, newer: str) -> dict[str, Any] | None:
    """By language, the Markdown source's change word by word (`word_diff.source_segments`) of the title and
    the body, and whether the language was added, removed, changed or left unchanged; None if a version is unknown."""
    before, after = version_texts(connection, statement_id, older), version_texts(connection, statement_id, newer)
    if before is None or after is None:
        return None
    result = {}
    for language in {**before["texts"], **after["texts"]}:
        old, new = before["texts"].get(language), after["texts"].get(language)
        title = source_segments(old["title"] if old else "", new["title"] if new else "")
        body = source_segments(old["body"] if old else "", new["body"] if new else "")
        status = "added" if old is None else "removed" if new is None else "unchanged" if old == new else "changed"
        result[language] = {"status": status, "title": title, "body": body}
    return result


__all__ = ["amendment", "word_segments"]
