"""`flask backup create FILE` and `flask backup restore FILE`: the whole instance in one encrypted archive."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

import click
from flask import current_app
from flask.cli import AppGroup

from coalition.backup.archive import ArchiveRefused, Kdf
from coalition.backup.contents import ContentsRefused, excluded
from coalition.backup.keys import PKCS12, KeysRefused
from coalition.backup.restore import RestoreRefused, create, restore
from coalition.infra.extensions import services

backup_cli = AppGroup("backup", help="Back up the whole instance into one encrypted file, and restore it.")

#: The environment variable a script can give the passphrase in (never on the command line, where `ps` shows it).
PASSPHRASE_VARIABLE = "COALITION_BACKUP_PASSPHRASE"
SHORTEST = 10

passphrase_file = click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"Read the passphrase from this file's first line (else ${PASSPHRASE_VARIABLE}, else a prompt).",
)


def passphrase(path: Path | None, confirm: bool) -> str:
    """The passphrase from the file, else the environment, else a hidden prompt (asked twice when making one)."""
    if path is not None:
        lines = path.read_text(encoding="utf-8").splitlines()
        given = lines[0] if lines else ""
    elif os.environ.get(PASSPHRASE_VARIABLE):
        given = os.environ[PASSPHRASE_VARIABLE]
    else:
        given = click.prompt("Backup passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
    if not given:
        raise click.ClickException("the passphrase is empty")
    return given


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@passphrase_file
def create_command(file: Path, passphrase_file: Path | None) -> None:
    """Write the log, the accounts, every other table but the read models, and the instance's keys to FILE,
    encrypted with a passphrase."""
    if file.exists():
        raise click.ClickException(f"{file} already exists: choose another name, or remove it first")
    secret = passphrase(passphrase_file, confirm=True)
    if len(secret) < SHORTEST:
        raise click.ClickException(
            f"the passphrase must have at least {SHORTEST} characters: several unrelated words are easy to keep"
        )
    try:
        kdf = Kdf(n=int(current_app.config["BACKUP_SCRYPT_N"]))
        kdf.check()
    except (ValueError, ArchiveRefused) as error:
        raise click.ClickException(f"COALITION_BACKUP_SCRYPT_N: {error}") from None
    made = create(services(), current_app.config, current_app.instance_path, file, secret, kdf)
    click.echo(f"Backed up {made.head[0]} events (head {made.head[1]}) and these tables:")
    for name, count in made.tables.items():
        click.echo(f"  {name}: {count} rows")
    click.echo(f"Key files: {', '.join(made.files) or 'none'}.")
    left_out = excluded(services().runner.projections)
    read_models = sorted(name for name, why in left_out.items() if why.startswith("read model"))
    click.echo(f"Left out, rebuilt from the log on restore: the read models ({', '.join(read_models)}).")
    for name, why in sorted(left_out.items()):
        if name not in read_models:
            click.echo(f"Left out: {name}, {why}.")
    click.echo("Not in the file: caches (the PDF cache) and the COALITION_* settings of the deployment.")
    click.echo(
        f"Wrote {file} ({file.stat().st_size} bytes). Keep the passphrase apart from it: without it, nothing "
        "in the file can be read."
    )


@backup_cli.command("restore")
@click.argument("file", type=click.File("rb"))
@passphrase_file
@click.option(
    "--force-keys",
    is_flag=True,
    help="Replace key files this instance already holds that differ from the backup's (the old ones are kept aside).",
)
def restore_command(file: IO[bytes], passphrase_file: Path | None, force_keys: bool) -> None:
    """Restore a backup into an empty database and this instance: all of it, or nothing."""
    secret = passphrase(passphrase_file, confirm=False)
    try:
        done = restore(services(), current_app.config, current_app.instance_path, file, secret, force_keys)
    except (ArchiveRefused, ContentsRefused, RestoreRefused, KeysRefused) as error:
        raise click.ClickException(f"not restored: {error}") from None
    manifest = done.manifest
    if done.migrated_to:
        click.echo(f"Migrated the empty database to the backup's revision {done.migrated_to}.")
    click.echo(f"Restored the backup made at {manifest.made_at}: {manifest.head[0]} events, head {manifest.head[1]}.")
    for name, count in manifest.tables.items():
        click.echo(f"  {name}: {count} rows")
    for line in done.keys:
        click.echo(f"Key file restored: {line}")
    if PKCS12 in manifest.files and not current_app.config.get("SEAL_PKCS12"):
        click.echo("The seal is a PKCS#12 file: set COALITION_SEAL_PKCS12 to the restored file and its passphrase.")
    click.echo("Read models rebuilt from the log. Check with `flask events verify`.")
