"""`flask people ...`: a person's data, from the command line (erasure)."""

from __future__ import annotations

import base64
import json
import os
from typing import IO

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import insert, select

from coalition.accounts import find_user, load_user
from coalition.accounts.erasure import erase, is_erased
from coalition.infra.extensions import services
from events.schema import person_keys

people_cli = AppGroup("people", help="People's personal data: erase a person; move the person keys.")


def pdf_cache_directory(app: Flask) -> str:
    """Where the app keeps sealed PDFs (emptied by an erasure: they may print the person's name)."""
    return str(app.config.get("PDF_CACHE_DIRECTORY") or os.path.join(app.instance_path, "pdf-cache"))


@people_cli.command("erase")
@click.argument("who")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(who: str, yes: bool) -> None:
    """Erase the person with this e-mail address (or user id): their keys, their account's name and e-mail."""
    user = find_user(services().engine, who) if "@" in who else load_user(services().engine, who.strip())
    if user is None:
        raise click.ClickException(
            f"no account has the {'e-mail address' if '@' in who else 'user id'} {who.strip()!r} "
            "(an erased person's address is not kept): nothing was erased"
        )
    if is_erased(user):
        click.echo("This person was erased already: nothing left to erase.")
        return
    if not yes:
        click.confirm(f"Erase {user.name} <{user.email}> for good? This cannot be undone", abort=True)
    erase(services(), user.user_id, pdf_cache=pdf_cache_directory(current_app))
    click.echo(f"Erased person {user.user_id}: their key is destroyed and the read models are rebuilt.")


@people_cli.command("export-keys")
@click.argument("file", type=click.File("w", encoding="utf-8"))
def export_keys_command(file: IO[str]) -> None:
    """Write the person keys (JSON Lines) opening the log's personal fields: keep it as secret as the database."""
    with services().engine.connect() as connection:
        rows = connection.execute(select(person_keys).order_by(person_keys.c.subject)).all()
    for row in rows:
        key = None if row.key is None else base64.b64encode(bytes(row.key)).decode("ascii")
        line = {"subject": row.subject, "key": key, "created_at": row.created_at, "erased_at": row.erased_at}
        file.write(json.dumps(line, sort_keys=True) + "\n")
    click.echo(f"Wrote {len(rows)} person keys.", err=True)


@people_cli.command("import-keys")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_keys_command(file: IO[str]) -> None:
    """Load person keys written by `export-keys` (after `flask events import`); a person known here keeps theirs."""
    try:
        rows = [json.loads(line) for line in file if line.strip()]
        values = [
            {
                "subject": str(r["subject"]),
                "key": None if r["key"] is None else base64.b64decode(r["key"], validate=True),
                "created_at": str(r["created_at"]),
                "erased_at": r["erased_at"],
            }
            for r in rows
        ]
    except (ValueError, KeyError, TypeError) as error:
        raise click.ClickException(f"not a file of person keys ({error}): nothing was imported") from None
    if any(v["key"] is not None and len(v["key"]) != 32 for v in values):
        raise click.ClickException("a key is not 32 bytes long: nothing was imported")
    with services().store.transaction() as connection:
        known = set(connection.execute(select(person_keys.c.subject)).scalars())
        fresh = [v for v in values if v["subject"] not in known]
        if fresh:
            connection.execute(insert(person_keys), fresh)
    services().store.keyring.forget()
    click.echo(f"Imported {len(fresh)} person keys ({len(values) - len(fresh)} already here).")
