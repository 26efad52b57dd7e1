"""What every aggregate shares: refusals mapped to HTTP once, and the changes a decision produces.

Each aggregate module holds its event schemas (registered in `coalition.domain.event_types.registry`),
its state, its commands (imperative dataclasses), `evolve(state, change) -> state` and
`decide(state, command, ...) -> list[Change]`. Decisions raise a DomainError and read no clock:
`today` and new ids arrive inside the command or as arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

State = TypeVar("State")


class DomainError(Exception):
    """A command refused by a rule; `status` and `code` are how the API reports it."""

    status: ClassVar[int] = 409
    code: ClassVar[str] = "conflict"


class NotAllowed(DomainError):
    """The actor may not do this (not an administrator, not a facilitator, no mandate)."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """The command names something that does not exist."""

    status = 404
    code = "not_found"


class RuleBroken(DomainError):
    """The command breaks a rule of the domain (already a member, withdrawn commitment, ...)."""

    status = 409
    code = "conflict"


@dataclass(frozen=True, slots=True)
class Change:
    """An event a decision produces: its type name and payload, before the store gives it a place."""

    type: str
    payload: dict[str, Any] = field(default_factory=dict)


def drop_none(values: dict[str, Any]) -> dict[str, Any]:
    """A payload without its unset optional fields."""
    return {key: value for key, value in values.items() if value is not None}


def fold(evolve: Callable[[State | None, Change], State | None], changes: Iterable[Change]) -> State | None:
    """An aggregate's state after a stream of its events, starting from nothing."""
    state: State | None = None
    for change in changes:
        state = evolve(state, change)
    return state
