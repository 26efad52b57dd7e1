"""The command-line options the app's long-running commands share (`flask projections run`, `flask notify run`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def idle_wait(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--idle-wait`: seconds to wait for `what` between turns; at least 0.1 (none would spin while the database is
    away, `events.follow`)."""
    return click.option(
        "--idle-wait",
        default=5.0,
        type=click.FloatRange(min=0.1),
        show_default=True,
        help=f"Seconds to wait for {what}.",
    )
