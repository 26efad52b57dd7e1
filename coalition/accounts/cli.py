"""`flask people ...`: a person's data, from the command line (erasure)."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from coalition.accounts import find_user, load_user
from coalition.accounts.erasure import erase, is_erased
from coalition.infra.extensions import services

people_cli = AppGroup("people", help="People's personal data: erase a person.")


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
