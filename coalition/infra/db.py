"""Moving a database between schema revisions from code (tests, tools; `flask db upgrade` does the same), and
whether the database can serve this code (`readiness`: the readiness probe)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from coalition.paths import MIGRATIONS

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    """The Alembic configuration of our migrations."""
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _migrate(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    """Run one Alembic command on `engine` in one transaction."""
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        step(config, revision)
        connection.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind `engine` up to `revision`."""
    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database behind `engine` down to `revision` (`base`: no tables at all)."""
    _migrate(engine, command.downgrade, revision)


@functools.cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """The schema revisions this code's migrations end at, and every one they know (read once: they change only
    with the code)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return frozenset(scripts.get_heads()), frozenset(script.revision for script in scripts.walk_revisions())


def readiness(engine: Engine) -> tuple[bool, str | None]:
    """Whether this process can serve now, and why not (or a note when it can): not if the database cannot be reached
    (within the engine's connect timeout), or answers the check with an error, or its schema is behind this code (a
    deploy whose migrations have not run yet). A schema newer than the code (or unknown to it) is ready, with a note:
    the documented order runs a release's migrations before its code, and hosts still on the old code serve on."""
    try:
        current = _current(engine)
    except DBAPIError as error:
        if error.connection_invalidated:  # a pooled connection from before a restart: the pool has been renewed
            try:
                current = _current(engine)
            except DBAPIError as again:
                return _refused(again)
        else:
            return _refused(error)
    except PoolTimeout:
        log.warning("readiness: every pooled database connection stayed in use")
        return False, "every connection to the database is in use"
    heads, known = _revisions()
    at, needed = ", ".join(sorted(current)), ", ".join(sorted(heads))
    if current == heads:
        return True, None
    if not current:
        return False, "the database has no schema yet: run `flask db upgrade`"
    if current <= known:
        return False, f"the database schema is at {at}, this code needs {needed}: run `flask db upgrade`"
    return True, f"the database schema ({at}) is newer than this code ({needed}), or unknown to it"


def _current(engine: Engine) -> frozenset[str]:
    with engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())


def _refused(error: DBAPIError) -> tuple[bool, str]:
    """Not ready for this error of the database's (logged whole for the operator; told only in kind)."""
    log.warning("readiness: the database check failed: %s", error.orig)
    if error.connection_invalidated or getattr(error, "connecting", False):  # (`events.engine`)
        return False, "the database cannot be reached"
    return False, f"the database answered the check with an error ({type(error.orig).__name__})"
