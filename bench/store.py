"""Measure appends (ours, raw drivers, eventsourcing) and a projections rebuild, in one run on one machine."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from eventsourcing.persistence import InfrastructureFactoryError

from bench import postgres
from bench.library import LibrarySaves, postgres_env, sqlite_env
from bench.ours import OurAppends, open_store
from bench.raw import RawPostgres, RawSqlite
from bench.rebuild import RebuildReport, run_rebuild
from bench.report import evaluate, format_table, machine
from bench.timing import Contender, Result, measure, profile
from bench.writers import WRITERS, run_writers
from events.engine import SYNCHRONOUS_LEVELS

BATCH_SIZE = 100
QUICK_EVENTS, QUICK_REBUILD = 50, 5000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m bench store`."""
    parser.add_argument(
        "--events", type=int, default=2000, metavar="N", help="appends per single-event measurement (default 2000)"
    )
    parser.add_argument(
        "--rebuild-events",
        type=int,
        default=1_000_000,
        metavar="N",
        help="events in the synthetic log for the rebuild (default 1,000,000)",
    )
    parser.add_argument(
        "--streams", type=int, default=100, metavar="N", help="streams the appends go round (default 100)"
    )
    parser.add_argument(
        "--synchronous",
        default="FULL",
        type=str.upper,
        choices=SYNCHRONOUS_LEVELS,
        help="SQLite synchronous level for ours and raw sqlite3 (default FULL)",
    )
    parser.add_argument(
        "--postgres-url",
        metavar="URL",
        help="also measure on PostgreSQL, in a throwaway schema (e.g. postgresql+psycopg://root@127.0.0.1:5432/test)",
    )
    parser.add_argument("--tmp-dir", metavar="DIR", help="where to put the temporary databases (default: system temp)")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke test: {QUICK_EVENTS} events, rebuild over {QUICK_REBUILD} events"
    )
    parser.add_argument(
        "--json", action="store_true", help="print a JSON document on stdout (the table then goes to stderr)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after timing, run our single-event append loop again under cProfile; top 25 to stderr",
    )


def progress(message: str) -> None:
    """Tell the operator what is running (stderr, so stdout stays clean)."""
    print(f"· {message}", file=sys.stderr, flush=True)


class Run:
    """One benchmark run: its sizes, what it measured, and what it noticed."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.events = QUICK_EVENTS if args.quick else args.events
        self.rebuild_events = QUICK_REBUILD if args.quick else args.rebuild_events
        self.batch_appends = max(10, self.events // 10)
        self.warmup = max(5, min(50, self.events // 20))
        self.streams = max(1, min(args.streams, self.events))
        self.results: dict[str, Result] = {}
        self.notes: list[str] = []
        self.postgres_info: dict[str, str] | None = None
        self.rebuild: RebuildReport | None = None

    def time(self, key: str, label: str, backend: str, contender: Contender, steps: int, note: str = "") -> Result:
        """Measure one contender and keep the result under `key`."""
        progress(f"{backend}: {label} ({steps} commits)")
        warmup = self.warmup if contender.events_per_step == 1 else 5
        result = measure(key, label, backend, contender, steps, warmup, note)
        self.results[key] = result
        return result

    def ours(self, url: str, backend: str, per_append: int, steps: int) -> None:
        """Our store on a freshly migrated database: `steps` appends of `per_append` events."""
        engine, store = open_store(url, self.args.synchronous)
        try:
            kind = "single" if per_append == 1 else "batch"
            contender = OurAppends(store, per_append, self.streams)
            label = f"ours: EventStore.append, {per_append} event{'s' if per_append > 1 else ''}/append"
            self.time(f"{backend}.ours.{kind}", label, backend, contender, steps)
            if self.args.profile and per_append == 1:
                profile(f"ours on {backend}, 1 event/append", contender, steps)
        finally:
            engine.dispose()

    def sqlite(self, tmp: Path) -> None:
        """Raw sqlite3, ours and eventsourcing on file databases in `tmp`, all WAL."""
        sync = self.args.synchronous
        raw = RawSqlite(str(tmp / "raw-single.db"), sync, 1, self.streams)
        try:
            self.time("sqlite.raw.single", "raw sqlite3: 1 row/commit", "sqlite", raw, self.events)
            raw_settings = raw.settings()
        finally:
            raw.close()
        self.ours(f"sqlite:///{tmp / 'ours-single.db'}", "sqlite", 1, self.events)
        library = LibrarySaves(sqlite_env(str(tmp / "eventsourcing.db")), self.streams)
        try:
            self.time(
                "sqlite.eventsourcing.single",
                "eventsourcing 9.5: Application.save, 1 event",
                "sqlite",
                library,
                self.events,
            )
            library_settings = library.sqlite_settings()
        finally:
            library.close()
        self.notes.append(
            f"raw sqlite3 ran with journal_mode={raw_settings['journal_mode']}, "
            f"synchronous={raw_settings['synchronous']}; ours with WAL, synchronous={sync} "
            "(set by events.create_engine)."
        )
        self.notes.append(
            "eventsourcing's SQLite module sets journal_mode=WAL but never sets synchronous; queried on its own "
            f"pooled writer connection it runs with journal_mode={library_settings['journal_mode']}, "
            f"synchronous={library_settings['synchronous']} (this SQLite build's default)."
            + (
                ""
                if library_settings["synchronous"] == sync
                else f" That differs from ours ({sync}), so this comparison is not like for like."
            )
        )
        raw = RawSqlite(str(tmp / "raw-batch.db"), sync, BATCH_SIZE, self.streams)
        try:
            self.time(
                "sqlite.raw.batch",
                f"raw sqlite3: {BATCH_SIZE} rows/commit (executemany)",
                "sqlite",
                raw,
                self.batch_appends,
            )
        finally:
            raw.close()
        self.ours(f"sqlite:///{tmp / 'ours-batch.db'}", "sqlite", BATCH_SIZE, self.batch_appends)
        progress(f"sqlite: {WRITERS} concurrent writers, raw, ours and group commit ({self.events} commits each)")
        results, notes = run_writers(tmp, sync, self.events, self.streams)
        self.results.update((result.key, result) for result in results)
        self.notes += notes

    def postgresql(self, url: str) -> None:
        """Raw psycopg, ours and eventsourcing on PostgreSQL, each in its own schema, dropped at the end."""
        self.postgres_info = postgres.server_info(url)
        with postgres.throwaway_schema(url) as schema:
            raw = RawPostgres(postgres.conninfo(url), schema, 1, self.streams)
            try:
                self.time("postgresql.raw.single", "raw psycopg: 1 row/commit", "postgresql", raw, self.events)
            finally:
                raw.close()
        with postgres.throwaway_schema(url) as schema:
            self.ours(postgres.sqlalchemy_url(url, schema), "postgresql", 1, self.events)
        with postgres.throwaway_schema(url) as schema:
            try:
                library = LibrarySaves(postgres_env(url, schema), self.streams)
            except InfrastructureFactoryError as error:
                self.notes.append(
                    f"eventsourcing on PostgreSQL was skipped: {error.__cause__ or error} "
                    "(it needs `eventsourcing[postgres]`, i.e. psycopg[pool])."
                )
            else:
                try:
                    self.time(
                        "postgresql.eventsourcing.single",
                        "eventsourcing 9.5: Application.save, 1 event",
                        "postgresql",
                        library,
                        self.events,
                    )
                finally:
                    library.close()
        with postgres.throwaway_schema(url) as schema:
            raw = RawPostgres(postgres.conninfo(url), schema, BATCH_SIZE, self.streams)
            try:
                self.time(
                    "postgresql.raw.batch",
                    f"raw psycopg: {BATCH_SIZE} rows/commit (executemany)",
                    "postgresql",
                    raw,
                    self.batch_appends,
                )
            finally:
                raw.close()
        with postgres.throwaway_schema(url) as schema:
            self.ours(postgres.sqlalchemy_url(url, schema), "postgresql", BATCH_SIZE, self.batch_appends)
        info = self.postgres_info
        self.notes.append(
            f"PostgreSQL {info['server_version']}: synchronous_commit={info['synchronous_commit']}, "
            f"fsync={info['fsync']}, wal_sync_method={info['wal_sync_method']}; the same server "
            "settings apply to all PostgreSQL contenders, each run in its own throwaway schema."
        )

    def rebuild_projections(self, tmp: Path) -> None:
        """Build the campaign log (bench/world_log.py) with our store, then time the rebuild in a child process."""
        progress(f"sqlite: building a campaign log of {self.rebuild_events:,} events (1000 events/append)")
        self.rebuild = run_rebuild(f"sqlite:///{tmp / 'rebuild.db'}", self.rebuild_events, self.args.synchronous)
        report = self.rebuild
        appends = -(-report.events // 1000)
        self.results["sqlite.ours.build"] = Result(
            "sqlite.ours.build",
            "ours: EventStore.append, 1000 events/append (log)",
            "sqlite",
            report.events,
            appends,
            report.build_seconds,
            "the app's event types (bench/world_log.py), sealed and validated, no expected versions",
        )
        self.notes.append(
            f"The rebuild ran in a spawned child process; its peak memory is the child's own high-water mark "
            f"(VmHWM: {report.peak_rss_mb:.1f} MiB, of which {report.rss_before_mb:.1f} MiB before the rebuild "
            f"started). Its ru_maxrss reads {report.ru_maxrss_mb:.1f} MiB because Linux carries ru_maxrss across "
            "fork+exec, so it includes the parent's peak; it is reported but not judged."
        )

    def document(self) -> dict[str, Any]:
        """Everything measured, as one JSON-ready document."""
        order = [
            "sqlite.raw.single",
            "sqlite.ours.single",
            "sqlite.eventsourcing.single",
            "sqlite.raw.batch",
            "sqlite.ours.batch",
            "sqlite.ours.build",
            "sqlite.raw.writers",
            "sqlite.ours.writers",
            "sqlite.group.writers",
            "postgresql.raw.single",
            "postgresql.ours.single",
            "postgresql.eventsourcing.single",
            "postgresql.raw.batch",
            "postgresql.ours.batch",
        ]
        return {
            "machine": machine(),
            "postgresql": self.postgres_info,
            "settings": {
                "events": self.events,
                "batch_appends": self.batch_appends,
                "batch_size": BATCH_SIZE,
                "streams": self.streams,
                "warmup": self.warmup,
                "synchronous": self.args.synchronous,
                "rebuild_events": self.rebuild_events,
                "quick": self.args.quick,
                "command": " ".join(["python -m bench", *sys.argv[1:]]),
            },
            "results": [self.results[key].to_json() for key in order if key in self.results],
            "rebuild": self.rebuild.to_json() if self.rebuild else None,
            "targets": [target.to_json() for target in evaluate(self.results, self.rebuild)],
            "notes": self.notes,
        }


def main(args: argparse.Namespace) -> int:
    """Run every measurement in a temporary directory (removed at the end) and print the results."""
    run = Run(args)
    with tempfile.TemporaryDirectory(prefix="coalition-bench-", dir=args.tmp_dir) as tmp_name:
        tmp = Path(tmp_name)
        run.notes.append(f"All SQLite databases were files in one temporary directory under {tmp.parent}.")
        run.sqlite(tmp)
        if args.postgres_url:
            run.postgresql(args.postgres_url)
        run.rebuild_projections(tmp)
    document = run.document()
    table = format_table(document)
    if args.json:
        print(table, file=sys.stderr)
        print(json.dumps(document, indent=2))
    else:
        print(table)
    return 0
