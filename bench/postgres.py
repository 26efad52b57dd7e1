"""PostgreSQL plumbing: URL forms for each client, a throwaway schema, the server's durability settings."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import URL, make_url


def _parsed(url: str) -> URL:
    """The URL with the psycopg 3 driver named explicitly (plain postgresql:// would mean psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def conninfo(url: str) -> str:
    """The URL as psycopg's connect() takes it."""
    return _parsed(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlalchemy_url(url: str, schema: str) -> str:
    """The URL for our engine, every connection's search_path set to `schema`."""
    scoped = _parsed(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False)


@contextmanager
def throwaway_schema(url: str) -> Iterator[str]:
    """Create a schema `bench_<random>`, yield its name, and drop it (with everything in it) at the end."""
    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(conninfo(url), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(conninfo(url), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def server_info(url: str) -> dict[str, str]:
    """The server's version and the settings that decide what a commit costs."""
    with psycopg.connect(conninfo(url), autocommit=True) as connection:
        version = connection.execute("SHOW server_version").fetchone()
        info = {"server_version": str(version[0]) if version else "?"}
        for setting in ("synchronous_commit", "fsync", "wal_sync_method", "full_page_writes"):
            row = connection.execute(f"SHOW {setting}").fetchone()
            info[setting] = str(row[0]) if row else "?"
    return info
