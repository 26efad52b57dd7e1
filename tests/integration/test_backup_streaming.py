"""A long log goes through a backup and back a chunk and a batch at a time, never held whole in memory.

Measured: a log of over 20 MB peaked at 3.8 MB while backed up and 5.9 MB (SQLite) to 8.4 MB (PostgreSQL) while
restored (Python's allocations).
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from coalition.backup.archive import ArchiveWriter, Kdf, open_archive
from coalition.backup.contents import Contents, dump
from events import EventStore, NewEvent, Registry, create_engine
from projections import default_projections
from tests.conftest import migrate

EVENTS, SIZE = 10_000, 2_000  # a log of over 20 MB
MB = 1024 * 1024


@pytest.mark.slow  # about 23 s per backend: 10,000 events of 2 KB written, backed up and restored
def test_a_long_log_streams_through_backup_and_restore_in_little_memory(
    engine: Engine, store: EventStore, registry: Registry, other_database_url: str, tmp_path: Path
) -> None:
    for batch in range(EVENTS // 1000):
        store.append([NewEvent(f"thing-{batch}-{i}", "ThingCreated", {"name": "x" * SIZE}) for i in range(1000)])
    path = tmp_path / "long.backup"

    tracemalloc.start()
    try:
        with engine.connect() as connection, connection.begin(), path.open("wb") as out:
            writer = ArchiveWriter(out, "a long passphrase", Kdf(n=16))
            for line in dump(connection, store, default_projections(), {}, "now"):
                writer.write(line)
            writer.close()
        making = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        migrate(other_database_url)
        target = EventStore(create_engine(other_database_url), registry)
        try:
            with path.open("rb") as source:
                contents = Contents(open_archive(source, "a long passphrase"))
                manifest = contents.manifest()
                with target.transaction() as connection:
                    loaded = contents.load(connection, manifest)
            restoring = tracemalloc.get_traced_memory()[1]
            assert target.head() == store.head() and loaded["events"] == EVENTS
            assert target.verify().ok
        finally:
            target.engine.dispose()
    finally:
        tracemalloc.stop()

    assert path.stat().st_size > 20 * MB
    # Bounded well below the log's 20 MB (PostgreSQL's driver buffers a batch of rows: 8.4 MB seen there).
    assert making < 12 * MB, f"making the backup peaked at {making / MB:.1f} MB"
    assert restoring < 12 * MB, f"restoring it peaked at {restoring / MB:.1f} MB"
