"""`column IN (values)` as each backend reads it best: a list of placeholders on SQLite, one array on PostgreSQL.

On PostgreSQL SQLAlchemy writes `IN` as one placeholder per value, each with its cast, and the statement's text
changes with the count: a page of 50 members' rows is a new text of 50 placeholders that SQLAlchemy renders and
psycopg converts again on every request (psycopg keeps only texts of at most 50 parameters), and that the server
parses and plans again. `= ANY(array)` is one parameter and one text, whatever the count.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement


def one_of(connection: Connection, column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """True where `column` holds one of `values` (none: nowhere), as `connection`'s backend reads it best."""
    if isinstance(values, (str, bytes)):  # a single id would be taken for its characters
        raise TypeError(f"one_of takes a collection of values, not one {type(values).__name__}")
    chosen = list(values)
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, chosen, type_=ARRAY(column.type)))
    return column.in_(chosen)
