"""SQLite is set up for durable, serialised appends; the settings can be changed."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from events import create_engine
from tests.conftest import sqlite_url


def pragma(engine: sa.Engine, name: str) -> object:
    """The value of one SQLite pragma on a pooled connection."""
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_defaults_are_wal_full_sync_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    try:
        assert pragma(engine, "journal_mode") == "wal"
        assert pragma(engine, "synchronous") == 2  # FULL
        assert pragma(engine, "busy_timeout") == 10_000
        assert pragma(engine, "foreign_keys") == 1
    finally:
        engine.dispose()


def test_sqlite_durability_and_timeout_are_configurable(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path), sqlite_synchronous="normal", sqlite_busy_timeout_ms=250)
    try:
        assert pragma(engine, "synchronous") == 1  # NORMAL
        assert pragma(engine, "busy_timeout") == 250
    finally:
        engine.dispose()


def test_an_unknown_synchronous_level_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one of OFF, NORMAL, FULL, EXTRA"):
        create_engine(sqlite_url(tmp_path), sqlite_synchronous="sometimes")


def test_writers_begin_immediate_so_a_second_writer_waits_then_gives_up(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path), sqlite_busy_timeout_ms=50)
    try:
        with engine.connect() as first, engine.connect() as second:
            first.execution_options(writer=True)
            second.execution_options(writer=True)
            with first.begin():
                with pytest.raises(sa.exc.OperationalError, match="database is locked"):
                    second.begin()
    finally:
        engine.dispose()


def test_readers_do_not_take_the_write_lock(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path), sqlite_busy_timeout_ms=50)
    try:
        with engine.connect() as writer, engine.connect() as reader:
            writer.execution_options(writer=True)
            with writer.begin(), reader.begin():
                assert reader.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()
