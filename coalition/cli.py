"""Command-line tools: `flask events ...` for the log, `flask projections ...` for the read models."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from coalition.infra import options
from coalition.infra.extensions import services
from events import ImportRefused, export_events, import_events
from projections import UnknownProjection

events_cli = AppGroup("events", help="Check, export and import the event log.")
projections_cli = AppGroup("projections", help="Rebuild, inspect and follow the read models.")
demo_cli = AppGroup("demo", help="Demo data for trying Coalition out.")
statements_cli = AppGroup("statements", help="Export statements as sealed PDFs and check PDFs against the log.")


@contextmanager
def progress_bar(length: int, label: str) -> Iterator[Any]:
    """A progress bar on stderr, so that stdout stays clean for data."""
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update


@events_cli.command("verify")
@click.option(
    "--against",
    "checkpoint_file",
    type=click.File("r", encoding="utf-8"),
    help="A signed checkpoint of this platform: also check that the log still holds the tree it vouches for.",
)
def verify_command(checkpoint_file: IO[str] | None) -> None:
    """Recompute the hash chain; exit 1 naming the first position that does not match. With --against, exit 1
    too when the log was truncated or rewritten since that checkpoint."""
    store = services().store
    with progress_bar(store.head()[0], "Verifying") as advance:
        report = store.verify(advance)
    if not report.ok:
        click.echo(
            f"BROKEN at position {report.broken_position}: {report.reason} ({report.count} events before it verified)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"OK: {report.count} events, head hash {report.head_hash}, chain format {report.log_format}")
    if checkpoint_file is not None:
        from coalition.transparency.checkpoints import check_against
        from coalition.transparency.cli import app_signer
        from coalition.transparency.note import NoteError

        signer = app_signer()
        try:
            checkpoint = check_against(store, checkpoint_file.read(), signer.name, signer.public)
        except NoteError as error:
            click.echo(f"AGAINST THE CHECKPOINT: {error}", err=True)
            sys.exit(1)
        click.echo(f"OK: the log still holds the tree of {checkpoint.size} events that the checkpoint signed.")


@events_cli.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8"), default="-")
def export_command(file: IO[str]) -> None:
    """Write the whole log as JSON Lines to FILE (standard output by default)."""
    store = services().store
    with progress_bar(store.head()[0], "Exporting") as advance:
        count = export_events(store, file, advance)
    click.echo(f"Exported {count} events.", err=True)


@events_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_command(file: IO[str]) -> None:
    """Load an export into an empty store, checking the chain; then rebuild the projections."""
    app_services = services()
    try:
        with progress_bar(0, "Importing") as advance:
            count = import_events(app_services.store, file, advance)
    except ImportRefused as refused:
        raise click.ClickException(str(refused)) from None
    with progress_bar(count, "Rebuilding projections") as advance:
        app_services.runner.rebuild(progress=advance)
    from coalition.infra import claims
    from coalition.notify.reactor import skip_history

    with app_services.store.transaction() as connection:
        claims.refill(connection)  # the organisations' names and numbers, claimed again as the log had them

    skip_history(app_services.store)  # a restored log is not news: nobody is mailed about it again
    click.echo(f"Imported {count} events; projections rebuilt.")


@projections_cli.command("rebuild")
@click.argument("names", nargs=-1)
def rebuild_command(names: tuple[str, ...]) -> None:
    """Empty the named projections (all by default) and replay the log into them."""
    app_services = services()
    try:
        chosen = app_services.runner.select(names or None)
    except UnknownProjection as error:
        raise click.ClickException(str(error)) from None
    head = app_services.store.head()[0]
    with progress_bar(head, "Rebuilding") as advance:  # the log is read once for all of them
        app_services.runner.rebuild([p.name for p in chosen], advance)
    click.echo(f"Rebuilt {', '.join(p.name for p in chosen)} up to position {head}.")


@projections_cli.command("check")
@click.argument("names", nargs=-1)
def check_command(names: tuple[str, ...]) -> None:
    """Compare the named read models (all by default) with a rebuild from the log, changing nothing;
    exit 1 naming each table that disagrees."""
    try:
        checked = services().runner.check(names or None)
    except UnknownProjection as error:
        raise click.ClickException(str(error)) from None
    wrong = [c for c in checked if not c.agrees]
    for c in wrong:
        click.echo(
            f"DISAGREES: {c.table} ({c.projection}, up to position {c.position}): {c.missing} rows the log gives "
            f"are missing or different, {c.extra} rows are not the log's",
            err=True,
        )
    if wrong:
        click.echo(f"{len(wrong)} of {len(checked)} tables disagree with the log: rebuild them.", err=True)
        sys.exit(1)
    click.echo(f"OK: {len(checked)} tables agree with the log.")


@projections_cli.command("status")
def status_command() -> None:
    """Show each projection's checkpoint and how far behind the log it is."""
    rows = services().runner.status()
    width = max([len("projection")] + [len(r.name) for r in rows])
    click.echo(f"{'projection':<{width}}  {'checkpoint':>10}  {'head':>10}  {'lag':>8}")
    for row in rows:
        click.echo(f"{row.name:<{width}}  {row.position:>10}  {row.head:>10}  {row.lag:>8}")


@projections_cli.command("run")
@options.idle_wait("news between catch-ups")
def run_command(idle_wait: float) -> None:
    """Follow the log and keep the projections current until stopped (SIGTERM or Ctrl-C)."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("Following the event log; stop with Ctrl-C.", err=True)
    services().runner.run(stop, idle_wait)


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already holds events.")
def demo_load_command(if_empty: bool) -> None:
    """Record a demo coalition (organisations, people, commitments, tasks) into an empty database."""
    from coalition import demo

    app_services = services()
    if if_empty and app_services.store.head()[0] != 0:
        click.echo("The database already holds events; no demo data loaded.", err=True)
        return
    try:
        ids = demo.load(app_services, app_services.store.clock().date())
    except demo.NotEmpty as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Loaded the demo coalition {ids['coalition']} (position {app_services.store.head()[0]}).")
    click.echo(f"Sign in as any of these people with the password {demo.PASSWORD!r}:")
    for email, name, role in demo.PEOPLE.values():
        click.echo(f"  {email:<28} {name} ({role})")


@statements_cli.command("verify-pdf")
@click.argument("file", type=click.File("rb"))
def verify_pdf_command(file: IO[bytes]) -> None:
    """Check a statement PDF: its seal, its match with the log, what changed since. Exit 0 when genuine (current
    or outdated), 1 when not genuine, 2 when it could not be checked within the limits on time and memory."""
    from coalition.pdf import export

    result = export.verify(services().engine, export.for_app(current_app)[0], file.read(), services().store.clock())
    statement = result["statement"]
    if statement and statement.get("title"):
        click.echo(f"{statement['title']!r}, coalition {statement['coalition']['name']!r}: {statement['url']}")
    if statement:
        click.echo(
            f"Statement {statement['id']}, version {statement['version_hash']} ({statement['language']}), "
            f"{statement['signatures']} signatures, exported at position {statement['exported_position']} "
            f"on {statement['exported_at']}"
        )
    seal = result["seal"]
    stamp = seal.get("timestamp")
    if stamp:
        state = "valid" if stamp["valid"] else "BROKEN: its token does not match the seal"
        click.echo(f"Timestamp: {stamp['time']}, by {stamp['authority'] or 'an unnamed authority'} ({state})")
    elif result["verdict"] != "unreadable":
        click.echo("Timestamp: none (the seal's time is only what the platform claims)")
    changes = result["changes_since"]
    if changes:
        click.echo(
            f"Since then: {'amended' if changes['amended'] else 'text unchanged'}; "
            f"{len(changes['signatures_added'])} signatures added, "
            f"{len(changes['signatures_withdrawn'])} withdrawn, "
            f"{len(changes['signatures_awaiting_reconfirmation'])} awaiting re-confirmation; "
            f"now {changes['state']}"
        )
    verdict = result["verdict"]
    if verdict == "current":
        click.echo(
            "GENUINE AND CURRENT: sealed by this platform, unaltered, it matches the log, nothing changed since."
        )
        return
    if verdict == "outdated":
        click.echo("GENUINE BUT OUTDATED: sealed by this platform and unaltered, but the statement changed since.")
        return
    click.echo("COULD NOT BE CHECKED:" if verdict == "unreadable" else "NOT GENUINE:", err=True)
    for reason in result["reasons"]:
        click.echo(f"  - {reason}", err=True)
    sys.exit(2 if verdict == "unreadable" else 1)


@statements_cli.command("export")
@click.argument("statement_id")
@click.argument("file", type=click.File("wb"))
@click.option("--lang", default=None, help="One of the statement's languages (default: its own).")
def export_pdf_command(statement_id: str, file: IO[bytes], lang: str | None) -> None:
    """Write the statement's sealed PDF to FILE."""
    from coalition.domain.base import DomainError
    from coalition.pdf import export

    sealer, cache = export.for_app(current_app)
    try:
        exported = export.export(  # not a request: the proof tree is brought up to date if need be
            services().engine, sealer, cache, statement_id, lang, export.verify_url(current_app.config), False
        )
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    file.write(exported.pdf)
    click.echo(f"Wrote {len(exported.pdf)} bytes ({'from the cache' if exported.cached else 'rendered'}).", err=True)


def init_app(app: Flask) -> None:
    """Register the command groups on the app."""
    app.cli.add_command(events_cli)
    app.cli.add_command(projections_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(statements_cli)
    from coalition.notify.cli import notify_cli

    app.cli.add_command(notify_cli)
    from coalition.transparency.cli import log_cli

    app.cli.add_command(log_cli)
    from coalition.backup.cli import backup_cli

    app.cli.add_command(backup_cli)

    from coalition.accounts.cli import people_cli

    app.cli.add_command(people_cli)
