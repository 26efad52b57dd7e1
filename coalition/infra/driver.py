"""One-row lookups sent straight to the database driver, for the few queries every request makes.

SQLAlchemy Core builds, keys and wraps every statement it runs; for a lookup made on every request
(a bearer token, an idempotency key) that work costs more than the query. As the event store's append
does, these queries are written once as SQL text (`?` placeholders, turned into the driver's style)
and sent on the pooled connection's own cursor.
"""

from __future__ import annotations

from contextlib import closing
from functools import cache
from typing import Any

from sqlalchemy.engine import Engine

from events.engine import reading


@cache
def _styled(sql: str, placeholder: str) -> str:
    return sql if placeholder == "?" else sql.replace("?", placeholder)


def first_row(engine: Engine, sql: str, parameters: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The first row `sql` (with `?` placeholders) finds, as a plain tuple, or None."""
    placeholder = "?" if engine.dialect.name == "sqlite" else "%s"
    with reading(engine) as connection, closing(connection.connection.dbapi_connection.cursor()) as cursor:  # type: ignore[union-attr]
        cursor.execute(_styled(sql, placeholder), parameters)
        row = cursor.fetchone()
    return None if row is None else tuple(row)
