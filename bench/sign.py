"""What one signature costs the app: CPU ms and SQL statements per signature, in-process, beside `/healthz`.

Seeds a world (`bench.loadworld`: one coalition, one open statement, N member organisations, each with its
own person and API token), then signs for every organisation one after another through Flask's test client,
exactly as `python -m bench http` does (bearer token, Idempotency-Key, version hash), on SQLite with
`synchronous=FULL` and, with `--postgres-url`, on PostgreSQL (a throwaway schema). No sockets, no load driver,
one request at a time: the figure does not depend on the machine's load the way a throughput does.

CPU is this process's (`time.process_time`): the app's own work, not the database server's, nor time spent
waiting for fsync. The ratio to `/healthz` through the same client in the same run is the figure to compare.
SQL statements are every statement the app sends to the database during a signature request (SQLAlchemy's and
the driver cursor's alike; transaction control, BEGIN and COMMIT, not counted).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.loadworld import Plan, seed
from bench.postgres import sqlalchemy_url, throwaway_schema

QUICK = 60
#: Transaction control, not counted as a statement (psycopg sends it outside the cursor, so it is not seen there).
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m bench sign`."""
    parser.add_argument("--organisations", type=int, default=400, metavar="N", help="signers (default 400)")
    parser.add_argument("--postgres-url", metavar="URL", help="also measure on PostgreSQL (a throwaway schema)")
    parser.add_argument("--tmp-dir", metavar="DIR", help="where to put the SQLite database (default: temp)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile the last N signatures (cProfile)")
    parser.add_argument(
        "--profile-out", metavar="PATH", help="with --profile: also write the raw statistics to PATH.<backend>"
    )
    parser.add_argument("--quick", action="store_true", help=f"smoke test: {QUICK} organisations")
    parser.add_argument("--json", action="store_true", help="print a JSON document on stdout (the table on stderr)")


def progress(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


class Counter:
    """Counts the SQL statements an engine's connections send, whichever way they are sent."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.engine = engine

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Count while inside (SQLite: the driver's trace callback; PostgreSQL: psycopg's cursor methods)."""
        if self.engine.dialect.name == "sqlite":
            with self._sqlite():
                yield
        else:
            with self._psycopg():
                yield

    @contextmanager
    def _sqlite(self) -> Iterator[None]:
        def trace(statement: str) -> None:
            if not statement.lstrip().upper().startswith(CONTROL):
                self.count += 1

        def attach(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            dbapi_connection.set_trace_callback(trace)

        event.listen(self.engine.pool, "checkout", attach)
        try:
            yield
        finally:
            event.remove(self.engine.pool, "checkout", attach)
            self.engine.dispose()  # drops the callbacks with the connections

    @contextmanager
    def _psycopg(self) -> Iterator[None]:
        import psycopg

        originals = {name: getattr(psycopg.Cursor, name) for name in ("execute", "executemany")}

        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            def counted(cursor: Any, *args: Any, **kwargs: Any) -> Any:
                self.count += 1
                return original(cursor, *args, **kwargs)

            return counted

        for name, original in originals.items():
            setattr(psycopg.Cursor, name, wrap(original))
        try:
            yield
        finally:
            for name, original in originals.items():
                setattr(psycopg.Cursor, name, original)


def _app(url: str, directory: Path, **settings: Any) -> Any:
    """The app on a seeded world's database, as the load driver meets it (`settings` override; tests use it too)."""
    from coalition import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SQLITE_SYNCHRONOUS": "FULL",
            "SECRET_KEY": "bench-sign",
            "RATELIMIT_ENABLED": False,
            "SEAL_DIRECTORY": str(directory),
            "PDF_CACHE_DIRECTORY": str(directory / "pdf-cache"),
            **settings,
        }
    )


def measure(
    backend: str, url: str, directory: Path, organisations: int, profile: int, profile_out: str | None = None
) -> dict[str, Any]:
    """Seed, then time `/healthz` and one signature per organisation through the test client."""
    started = time.monotonic()
    plan: Plan = seed(url, organisations, directory)
    progress(f"{backend}: seeded {organisations} organisations in {time.monotonic() - started:.0f} s")
    app = _app(url, directory)
    logging.getLogger("coalition.requests").disabled = True  # a line per request would drown the table
    services = app.extensions["coalition"]
    client = app.test_client()
    path = f"{plan.statement_path}/signatures"
    signers = list(plan.signers)
    timed, profiled = signers[: len(signers) - profile], signers[len(signers) - profile :]

    def sign(organisation_id: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"sign-{organisation_id}"}
        body = {"organisation_id": organisation_id, "title": "Director", "version_hash": plan.version_hash}
        response = client.post(path, json=body, headers=headers)
        if response.status_code != 201:
            raise SystemExit(f"{backend}: a signature got {response.status_code}: {response.get_data(as_text=True)}")

    # warm up: the first requests build the caches every later one finds (states, compiled SQL)
    warm = max(5, len(timed) // 20)
    for organisation_id, token in timed[:warm]:
        sign(organisation_id, token)
    for _ in range(50):
        client.get("/healthz")
    counter = Counter(services.engine)
    rows: dict[str, dict[str, float]] = {}
    with counter.counting():
        rows["healthz"] = _timed(lambda: client.get("/healthz"), len(timed) - warm, counter)
        pending = iter(timed[warm:])
        rows["sign"] = _timed(lambda: sign(*next(pending)), len(timed) - warm, counter)
    rows["sign"]["ratio_to_healthz"] = rows["healthz"]["cpu_ms"] / rows["sign"]["cpu_ms"]
    text = ""
    if profiled:
        profiler = cProfile.Profile()
        profiler.enable()
        for organisation_id, token in profiled:
            sign(organisation_id, token)
        profiler.disable()
        if profile_out is not None:  # the raw statistics, for pstats or snakeviz: PATH.sqlite, PATH.postgresql
            profiler.dump_stats(f"{profile_out}.{backend}")
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        text = out.getvalue()
    services.engine.dispose()
    return {"backend": backend, "organisations": organisations, "rows": rows, "profile": text}


def _timed(request: Callable[[], Any], n: int, counter: Counter) -> dict[str, float]:
    counter.count = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        request()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"requests": n, "cpu_ms": 1000 * cpu / n, "wall_ms": 1000 * wall / n, "sql": counter.count / n}


def table(documents: list[dict[str, Any]]) -> str:
    """The figures, one line per backend and endpoint."""
    lines = [
        f"{'backend':<11} {'endpoint':<9} {'requests':>8} {'CPU ms':>7} {'wall ms':>8} {'SQL':>6} {'CPU ratio':>10}",
        "-" * 66,
    ]
    for document in documents:
        for name, row in document["rows"].items():
            ratio = f"{row['ratio_to_healthz']:.2f}×" if "ratio_to_healthz" in row else "baseline"
            lines.append(
                f"{document['backend']:<11} {name:<9} {row['requests']:>8,} {row['cpu_ms']:>7.2f} "
                f"{row['wall_ms']:>8.2f} {row['sql']:>6.1f} {ratio:>10}"
            )
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """Measure on SQLite (and PostgreSQL if asked) and print the table (and JSON with --json)."""
    organisations = QUICK if args.quick else args.organisations
    documents = []
    with tempfile.TemporaryDirectory(dir=args.tmp_dir) as folder:
        directory = Path(folder)
        documents.append(
            measure(
                "sqlite",
                f"sqlite:///{directory / 'bench.db'}",
                directory,
                organisations,
                args.profile,
                args.profile_out,
            )
        )
        if args.postgres_url:
            with throwaway_schema(args.postgres_url) as schema:
                pg = directory / "pg"
                pg.mkdir()
                url = sqlalchemy_url(args.postgres_url, schema)
                documents.append(measure("postgresql", url, pg, organisations, args.profile, args.profile_out))
    print(table(documents), file=sys.stderr)
    for document in documents:
        if document["profile"]:
            print(f"\n{document['backend']}: cProfile of the last {args.profile} signatures", file=sys.stderr)
            print(document["profile"], file=sys.stderr)
    if args.json:
        print(json.dumps(documents, indent=2))
    return 0
