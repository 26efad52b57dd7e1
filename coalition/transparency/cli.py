"""`flask log ...`: signed checkpoints of the log."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from coalition.infra.extensions import services
from coalition.transparency import checkpoints
from events import tree

log_cli = AppGroup("log", help="Signed checkpoints of the event log (Merkle tree heads).")


def app_signer() -> checkpoints.Signer:
    """The running app's checkpoint signer."""
    return checkpoints.signer_for(current_app.config, current_app.instance_path)


@log_cli.command("checkpoint")
def checkpoint_command() -> None:
    """Sign a checkpoint of the log as it is now and print it (the latest one if the log has not grown).

    The Merkle tree is first caught up with the whole log, however long, with its progress on stderr. An empty
    log gets no checkpoint: the command says so and exits with status 1, printing nothing on stdout."""
    store = services().store

    def progress(size: int, head: int) -> None:
        click.echo(f"Merkle tree: {size} of {head} events", err=True)

    try:
        issued, new = checkpoints.issue(store, app_signer(), store.clock(), progress)
    except (tree.LogDiverged, checkpoints.EmptyLog) as error:
        raise click.ClickException(f"no checkpoint signed: {error}") from None
    click.echo(issued.note, nl=False)
    click.echo(
        f"{'Issued' if new else 'Unchanged since'} the checkpoint of {issued.size} events, root {issued.root_hash}.",
        err=True,
    )


@log_cli.command("public-key")
def public_key_command() -> None:
    """Print the note verifier key that checks this platform's checkpoints."""
    click.echo(app_signer().verifier_key)
