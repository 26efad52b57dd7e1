"""Databases built once per test session (per xdist worker) and copied for each test.

A template is a database brought to some state once (migrated; or migrated with a world recorded
in it) together with the plain data its builder returned (ids, tokens). A copy is a new database
with the same content:

- SQLite: the template is a closed, checkpointed file (nothing left in its write-ahead log), and a
  copy is that file copied byte for byte.
- PostgreSQL: the template is a database and a copy is `CREATE DATABASE ... TEMPLATE` (~0.1 s).
  Dropping a database waits for a checkpoint (0.4 to 2 s), so copies are dropped by a background
  thread, in concurrent batches that share one checkpoint; whatever is left, templates included,
  is dropped when the session ends.
"""

from __future__ import annotations

import os
import queue
import shutil
import sqlite3
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_URL = os.environ.get("COALITION_TEST_POSTGRES_URL", "")
#: Builds a template: given the URL of an empty database, brings it to its state and returns its data.
Build = Callable[[str], Any]


@dataclass(frozen=True)
class Template:
    """A database in a known state, and the data its builder returned (ids, tokens)."""

    backend: str
    source: str  # SQLite: the file; PostgreSQL: the database's name
    data: Any


def missing(what: str) -> None:
    """Fail in CI, where everything must run; skip elsewhere, naming what is missing."""
    if IN_CI:
        pytest.fail(f"CI=true but {what}", pytrace=False)
    pytest.skip(what)


def sqlite_url(directory: Path) -> str:
    """The URL of a new SQLite file in `directory`."""
    return f"sqlite:///{directory / 'coalition.db'}"


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL."""
    return Path(str(make_url(url).database))


def close_sqlite_file(path: Path) -> None:
    """Move everything in the file's write-ahead log into it, so that the file alone is the database."""
    connection = sqlite3.connect(path)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    wal = path.with_name(path.name + "-wal")
    if busy or (wal.exists() and wal.stat().st_size):
        raise RuntimeError(f"{path} is still open somewhere: its write-ahead log could not be emptied")


class Postgres:
    """Creates and drops whole databases on the test server; drops run in a background thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_size=9)
        self.prefix = f"ct_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:6]}_"
        self.created: set[str] = set()
        self.lock = threading.Lock()
        self.doomed: queue.Queue[str | None] = queue.Queue()
        self.dropper: threading.Thread | None = None

    def url_of(self, name: str) -> str:
        """The URL of database `name` on the test server."""
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def create(self, template: str | None = None) -> str:
        """A new database, empty or a copy of `template`: its name."""
        name = f"{self.prefix}{uuid.uuid4().hex[:10]}"
        copying = f" TEMPLATE {template} STRATEGY WAL_LOG" if template else ""
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}{copying}")
        with self.lock:
            self.created.add(name)
        return name

    def drop_later(self, name: str) -> None:
        """Drop database `name` in the background."""
        if self.dropper is None:
            self.dropper = threading.Thread(target=self._drop_queued, name="drop test databases", daemon=True)
            self.dropper.start()
        self.doomed.put(name)

    def _drop_queued(self) -> None:
        finished = False
        while not finished:
            names = [self.doomed.get()]
            while not self.doomed.empty():  # whatever queued meanwhile goes in the same batch
                names.append(self.doomed.get_nowait())
            finished = None in names
            self.drop_all([name for name in names if name is not None])

    def drop_all(self, names: list[str]) -> None:
        """Drop databases concurrently: their drops then share the checkpoint each one waits for."""
        if len(names) <= 1:
            for name in names:
                self.drop(name)
            return
        with ThreadPoolExecutor(max_workers=min(8, len(names))) as pool:
            list(pool.map(self.drop, names))

    def drop(self, name: str) -> None:
        """Drop database `name` now, disconnecting whoever is still connected to it."""
        try:
            with self.admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except sa.exc.SQLAlchemyError as error:  # leave it, say so: a test's teardown must not fail on it
            print(f"could not drop test database {name}: {error}", file=sys.stderr)
        with self.lock:
            self.created.discard(name)

    def close(self) -> None:
        """Wait for the background drops, then drop every database still left."""
        if self.dropper is not None:
            self.doomed.put(None)
            self.dropper.join()
        self.drop_all(sorted(self.created))
        self.admin.dispose()


class Databases:
    """Templates made on first use and kept for the session, and copies of them for each test."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.templates: dict[tuple[str, str], Template] = {}
        self._postgres: Postgres | None = None

    @property
    def postgres(self) -> Postgres:
        """The test PostgreSQL server; the test is skipped (failed in CI) when there is none."""
        if self._postgres is None:
            if not POSTGRES_URL:
                missing("PostgreSQL is not configured: set COALITION_TEST_POSTGRES_URL")
            server = Postgres(POSTGRES_URL)
            try:
                server.admin.connect().close()
            except sa.exc.OperationalError as error:
                server.admin.dispose()
                missing(f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} is unreachable ({error.orig})")
            self._postgres = server
        return self._postgres

    def template(self, backend: str, name: str, build: Build) -> Template:
        """The template `name` on `backend`, built by `build` the first time it is asked for."""
        key = (backend, name)
        if key not in self.templates:
            if backend == "sqlite":
                folder = self.directory / name
                folder.mkdir()
                url = sqlite_url(folder)
                data = build(url)
                close_sqlite_file(sqlite_path(url))
                self.templates[key] = Template(backend, str(sqlite_path(url)), data)
            else:
                source = self.postgres.create()
                try:
                    data = build(self.postgres.url_of(source))
                except BaseException:
                    self.postgres.drop(source)
                    raise
                self.templates[key] = Template(backend, source, data)
        return self.templates[key]

    @contextmanager
    def copy(self, template: Template, directory: Path) -> Iterator[str]:
        """A copy of `template` for one test (a SQLite file in `directory`): its URL, dropped afterwards."""
        if template.backend == "sqlite":
            folder = directory / f"copy-{uuid.uuid4().hex[:8]}"
            folder.mkdir()
            url = sqlite_url(folder)
            shutil.copyfile(template.source, sqlite_path(url))
            yield url
            return
        name = self.postgres.create(template.source)
        try:
            yield self.postgres.url_of(name)
        finally:
            self.postgres.drop_later(name)

    def close(self) -> None:
        """Drop what is left on PostgreSQL (the SQLite files go with pytest's temporary directories)."""
        if self._postgres is not None:
            self._postgres.close()
