"""The baselines: plain driver inserts into a table shaped like ours, with no store logic around them."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

import psycopg

#: The columns, key and indexes of the store's `events` table; `{table}` and `{position}` filled per dialect.
TABLE = (
    "CREATE TABLE {table} (position {position} PRIMARY KEY, stream_id VARCHAR(200) NOT NULL, "
    "version INTEGER NOT NULL, type VARCHAR(100) NOT NULL, schema_version INTEGER NOT NULL, "
    "payload TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at VARCHAR(32) NOT NULL, "
    "hash VARCHAR(64) NOT NULL, UNIQUE (stream_id, version))"
)
INDEX = "CREATE INDEX ix_{table}_type_position ON {table} (type, position)"


def ddl(table: str, position_type: str) -> list[str]:
    """The statements creating a table like the store's `events`, named `table`."""
    return [TABLE.format(table=table, position=position_type), INDEX.format(table=table)]


def insert_statement(table: str, placeholder: str) -> str:
    """An INSERT of one whole row into `table` with the driver's placeholder."""
    return f"INSERT INTO {table} VALUES ({', '.join([placeholder] * 9)})"


SYNCHRONOUS_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


class RowMaker:
    """Rows like the store writes: contiguous positions, per-stream versions, a chained SHA-256."""

    def __init__(self, streams: int) -> None:
        self.streams = streams
        self.turn = 0
        self.position = 0
        self.previous = "0" * 64
        self.versions: dict[str, int] = {}

    def rows(self, count: int) -> list[tuple[Any, ...]]:
        """`count` rows for the next stream in turn (round robin over `streams`)."""
        stream = f"bench-{self.turn % self.streams}"
        self.turn += 1
        recorded_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        made = []
        for _ in range(count):
            self.position += 1
            version = self.versions.get(stream, 0) + 1
            self.versions[stream] = version
            payload = json.dumps({"amount": self.position, "name": stream}, separators=(",", ":"))
            self.previous = hashlib.sha256(f"{self.previous}{self.position}{payload}".encode()).hexdigest()
            made.append(
                (self.position, stream, version, "BenchEventRecorded", 1, payload, "{}", recorded_at, self.previous)
            )
        return made


class RawSqlite:
    """stdlib sqlite3: BEGIN IMMEDIATE, insert `per_commit` rows, COMMIT; WAL and the given synchronous."""

    def __init__(self, path: str, synchronous: str, per_commit: int, streams: int) -> None:
        self.events_per_step = per_commit
        self.rows = RowMaker(streams)
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute(f"PRAGMA synchronous={synchronous}")
        for statement in ddl("events", "INTEGER"):
            self.connection.execute(statement)
        self.insert = insert_statement("events", "?")

    def step(self) -> None:
        """One transaction of `per_commit` single-row inserts (executemany when more than one)."""
        rows = self.rows.rows(self.events_per_step)
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        if len(rows) == 1:
            connection.execute(self.insert, rows[0])
        else:
            connection.executemany(self.insert, rows)
        connection.execute("COMMIT")

    def settings(self) -> dict[str, str]:
        """The journal mode and synchronous level the connection really runs with."""
        journal = self.connection.execute("PRAGMA journal_mode").fetchone()[0]
        level = self.connection.execute("PRAGMA synchronous").fetchone()[0]
        return {"journal_mode": str(journal).upper(), "synchronous": SYNCHRONOUS_NAMES.get(level, str(level))}

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


class RawPostgres:
    """psycopg 3: insert `per_commit` rows, commit; one connection, the server's own durability settings."""

    def __init__(self, conninfo: str, schema: str, per_commit: int, streams: int) -> None:
        self.events_per_step = per_commit
        self.rows = RowMaker(streams)
        self.connection = psycopg.connect(conninfo, options=f"-csearch_path={schema}")
        self.insert = insert_statement(f"raw_events_{per_commit}", "%s")
        with self.connection.cursor() as cursor:
            for statement in ddl(f"raw_events_{per_commit}", "BIGINT"):
                cursor.execute(statement)
        self.connection.commit()

    def step(self) -> None:
        """One transaction of `per_commit` single-row inserts."""
        rows = self.rows.rows(self.events_per_step)
        with self.connection.cursor() as cursor:
            if len(rows) == 1:
                cursor.execute(self.insert, rows[0])
            else:
                cursor.executemany(self.insert, rows)
        self.connection.commit()

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()
