"""Making a backup of the whole instance, and restoring one into an empty database, all or nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from coalition.backup import keys
from coalition.backup.archive import ArchiveWriter, Kdf, open_archive
from coalition.backup.contents import Contents, ContentsRefused, Manifest, dump, revision
from coalition.infra.db import alembic_config, upgrade
from coalition.infra.extensions import Services
from events import merkle, tree
from events.schema import events, log_checkpoints
from projections import Projection


class RestoreRefused(ValueError):
    """The database or instance cannot take this backup; the message says what was found and what to do."""


@dataclass
class Made:
    """What a backup holds."""

    head: tuple[int, str]
    tables: dict[str, int]
    files: list[str]


def create(services: Services, config: Any, instance_path: str, path: Path, passphrase: str, kdf: Kdf) -> Made:
    """Write the encrypted backup to `path` (through `<path>.partial`, so a failure leaves no half archive)."""
    files = keys.collect(config, instance_path)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out, services.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():  # one snapshot: the log, the accounts and the outbox as of one moment
                writer = ArchiveWriter(out, passphrase, kdf)
                lines = dump(connection, services.store, services.runner.projections, files, _now())
                first = next(lines)
                writer.write(first)
                for line in lines:
                    writer.write(line)
                writer.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    manifest = json.loads(first)
    return Made((manifest["head"]["position"], manifest["head"]["hash"]), manifest["tables"], sorted(files))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Restored:
    """What a restore did."""

    manifest: Manifest
    keys: list[str] = field(default_factory=list)
    migrated_to: str | None = None


def occupied(connection: Connection, projections: Sequence[Projection]) -> list[str]:
    """What makes the database not empty: each table holding rows (beyond what a fresh migration writes)."""
    metadata = MetaData()
    metadata.reflect(bind=connection)
    found = []
    for name, table in sorted(metadata.tables.items()):
        if name == "alembic_version" or name == "log_format":
            continue
        query = select(func.count()).select_from(table)
        if name == "projection_checkpoints":
            query = query.where(table.c.position != 0)
        count = connection.execute(query).scalar_one()
        if count:
            found.append(f"{name} ({count} row{'' if count == 1 else 's'})")
    return found


def restore(
    services: Services, config: Any, instance_path: str, source: IO[bytes], passphrase: str, force_keys: bool
) -> Restored:
    """Restore the backup in `source` into this empty database and instance; nothing is written if it fails."""
    engine = services.engine
    with engine.connect() as connection:
        found = occupied(connection, services.runner.projections)
        present = revision(connection)
        has_tables = bool(inspect(connection).get_table_names())
    if found:
        raise RestoreRefused(
            f"the database is not empty: it holds {', '.join(found)}. Restore only into an empty database "
            "(a new one, migrated or not); nothing was written."
        )
    contents = Contents(open_archive(source, passphrase))
    manifest = contents.manifest()
    scripts = ScriptDirectory.from_config(alembic_config())
    if manifest.revision is None or manifest.revision not in {s.revision for s in scripts.walk_revisions()}:
        raise RestoreRefused(
            f"the backup was made at schema revision {manifest.revision}, which this version of Coalition does not "
            "know: restore it with the version that made it, or a newer one"
        )
    done = Restored(manifest)
    if present is None and not has_tables:
        upgrade(engine, manifest.revision)
        done.migrated_to = manifest.revision
    elif present != manifest.revision:
        raise RestoreRefused(
            f"the database is at schema revision {present} and the backup at {manifest.revision}: restore into a "
            f"database with no tables at all (it is migrated to {manifest.revision}, restored, then upgraded), or "
            f"one migrated with `flask db upgrade {manifest.revision}`; nothing was written"
        )
    staged = keys.stage(manifest.files, config, instance_path, force_keys)
    try:
        with services.store.transaction() as connection:
            if found := occupied(connection, services.runner.projections):  # written to since the first look
                raise RestoreRefused(f"the database was written to meanwhile: it holds {', '.join(found)}")
            contents.load(connection, manifest)
            _agreement(connection)
            _sequences(connection)
    except DBAPIError as error:
        keys.discard(staged)
        raise RestoreRefused(
            f"the database refused a row of the table {contents.table!r} ({str(error.orig).strip()}); nothing was "
            "written"
        ) from None
    except BaseException:
        keys.discard(staged)
        raise
    done.keys = keys.install(staged)
    if manifest.revision != scripts.get_current_head():
        upgrade(engine)  # the backup's data goes through the migrations made since
    services.runner.rebuild()
    return done


def _agreement(connection: Connection) -> None:
    """The restored Merkle tree still holds the restored log, and every checkpoint's root is the tree's."""
    if not {"merkle_nodes", "log_checkpoints"} <= set(inspect(connection).get_table_names()):
        return  # a backup from before the tree (revision 0011 or older): the upgrade after it makes the tables
    size = tree.tree_size(connection)
    head = connection.execute(select(func.coalesce(func.max(events.c.position), 0))).scalar_one()
    if size > head:
        raise ContentsRefused(f"the backup's Merkle tree holds {size} events but its log {head}: damaged")
    if size:
        event_hash = connection.execute(select(events.c.hash).where(events.c.position == size)).scalar_one()
        if tree.fetch(connection, [(0, size - 1)])[(0, size - 1)] != merkle.leaf_hash(bytes.fromhex(event_hash)):
            raise ContentsRefused("the backup's Merkle tree does not hold its log's events: damaged")
    for checkpoint_size, root_hash in connection.execute(select(log_checkpoints.c.size, log_checkpoints.c.root_hash)):
        if checkpoint_size > size or tree.root(connection, checkpoint_size).hex() != root_hash:
            raise ContentsRefused(f"the backup's checkpoint of {checkpoint_size} events disagrees with its tree")


def _sequences(connection: Connection) -> None:
    """On PostgreSQL, move every serial key's sequence past the restored rows (SQLite needs nothing)."""
    if connection.dialect.name != "postgresql":
        return
    metadata = MetaData()
    metadata.reflect(bind=connection)
    for table in metadata.tables.values():
        for column in table.primary_key.columns:
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column.name}
            ).scalar()
            if sequence:
                highest = connection.execute(select(func.max(column))).scalar()
                connection.execute(
                    text("SELECT setval(:sequence, :value, :called)"),
                    {"sequence": sequence, "value": highest or 1, "called": highest is not None},
                )
