"""What every aggregate shares: refusals (a kind, a message id and its parameters) and the changes a decision produces.

Each aggregate holds its event schemas (registered in `coalition.domain.event_types.registry`),
its state and `evolve(state, change) -> state`, its commands (imperative dataclasses) and
`decide(state, command, ...) -> list[Change]`. The questions the rest of the app asks (who may
sign, the phase, which signatures count, standing) live in `coalition.domain.policy`, and the
decisions ask them there. Decisions raise a DomainError and read no clock: `today`, `now` and
new ids arrive inside the command or as arguments.

A refusal is not an HTTP answer: it carries a `kind` (forbidden, not_found, conflict, invalid),
a message id (an English text with `%(name)s` placeholders, extracted for translation by Babel)
and its parameters. The web edge maps the kind to a status in one table (`coalition.web.errors`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

State = TypeVar("State")

KINDS = ("forbidden", "not_found", "conflict", "invalid", "unauthorized")


class DomainError(Exception):
    """A command refused by a rule: its `kind`, its message id and the parameters the message names."""

    kind: ClassVar[str] = "conflict"

    def __init__(self, message: str, /, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        """The English text, parameters filled in."""
        return fill(self.message, self.params)


def fill(message: str, params: dict[str, Any]) -> str:
    """A message with its `%(name)s` placeholders filled in (a message without parameters is left as it is)."""
    return message % params if params else message


def N_(fragment: str) -> str:
    """Mark a fragment a refusal passes as a parameter (`doing`) for extraction; the edge translates it when shown."""
    return fragment


class Word(str):
    """A word of ours a refusal names (a state), with the gettext context that says what it qualifies.

    "open" is a statement's, a task's or an evaluation round's state, and Polish, Romanian or Bulgarian
    write each in another gender: the edge translates a Word with `pgettext(word.context, word)`. It is a
    str, so the English text, comparisons and JSON stay those of the bare word."""

    context: str

    def __new__(cls, context: str, word: str) -> Word:
        made = super().__new__(cls, word)
        made.context = context
        return made

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return self.context, str(self)


def C_(context: str, word: str) -> Word:
    """Mark a state word with its context ("task state", "open") for extraction (babel.cfg: `C_:1c,2`)."""
    return Word(context, word)


def either(context: str, words: Iterable[str]) -> Word:
    """The states a rule allows, as a refusal names them ("open or accepted"), in `context`: translated whole."""
    return Word(context, " or ".join(words))


class NotAllowed(DomainError):
    """The actor may not do this (not an administrator, not a facilitator, no mandate)."""

    kind = "forbidden"


class NotFound(DomainError):
    """The command names something that does not exist."""

    kind = "not_found"


class RuleBroken(DomainError):
    """The command breaks a rule of the domain (already a member, withdrawn commitment, ...)."""

    kind = "conflict"


class Invalid(DomainError):
    """The command's input is not valid on its own, whatever the state."""

    kind = "invalid"


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
