"""The projections' checkpoints as the runner reads, locks and moves them: statements built once (they run for every
append), every caller locking the rows in one order (by name), so that an append and a catch-up never wait in a
circle."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import Update

from projections.base import checkpoints

# The checkpoints read and locked in name order, and moved.
LOCKED = (
    select(checkpoints.c.name, checkpoints.c.position)
    .where(checkpoints.c.name.in_(bindparam("names", expanding=True)))
    .order_by(checkpoints.c.name)
    .with_for_update()
)
MOVE = (
    update(checkpoints)
    .where(checkpoints.c.name.in_(bindparam("names", expanding=True)))
    .values(position=bindparam("v_position"))
)


@functools.cache
def caught_up(count: int) -> Update:
    """Checkpoints `name_0`.. that stood at `k_before`, moved to `v_position`, and their names: locked in name order
    first (as `LOCKED`), so an append and a catch-up never wait in a circle. One parameter per name: sendable."""
    names: list[BindParameter[str]] = [bindparam(f"name_{number}") for number in range(count)]
    return (
        update(checkpoints)
        .where(
            checkpoints.c.name.in_(
                select(checkpoints.c.name)
                .where(checkpoints.c.name.in_(names))
                .order_by(checkpoints.c.name)
                .with_for_update()
            ),
            checkpoints.c.position == bindparam("k_before"),
        )
        .values(position=bindparam("v_position"))
        .returning(checkpoints.c.name)
    )


def move(connection: Connection, names: Sequence[str], position: int) -> None:
    """Move these projections' checkpoints to `position`."""
    connection.execute(MOVE, {"names": list(names), "v_position": position})
