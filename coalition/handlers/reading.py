"""What every coalition and statement command reads before it decides, and how it appends after.

A command reads the coalition stream and the stream of each organisation it names (or whose
commitment or task it touches, or whose roles the user holds), decides with who may act for those
organisations today (`policy.acts_for` on their states), and appends with the version of every
stream it read: a concurrent mandate revocation or membership change is a conflict, never a
decision made on stale facts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from coalition.domain import coalition as co
from coalition.domain import organisation as org
from coalition.domain import policy, progress, work
from coalition.domain import statement as st
from coalition.domain.base import NotFound
from coalition.handlers import Context

#: A command on a coalition or its work (decided by `co.decide`), and any command `prepare` reads for.
CoalitionCommand = co.Command | work.Command | progress.Command
Command = CoalitionCommand | st.Command

#: Commands that ask for a decision on behalf of the organisation they name, which must exist.
_NAMES_AN_ORGANISATION = (
    co.FoundCoalition,
    co.RequestMembership,
    co.InviteOrganisation,
    co.AssignRole,
    work.PledgeCommitment,
    work.CreateTask,
    work.ReassignTask,
)


def _organisations_relied_on(state: co.Coalition | None, command: Command | None, user_id: str) -> set[str]:
    """The organisations whose streams the decision reads: named, owning the work touched, or giving the user a role."""
    named = {getattr(command, "organisation_id", None)}
    if state is not None:
        commitment = state.commitments.get(getattr(command, "commitment_id", None) or "")
        task = state.tasks.get(getattr(command, "task_id", None) or "")
        named |= {commitment.organisation_id if commitment else None, task.organisation_id if task else None}
        named |= {r.organisation_id for r in state.roles.values() if r.user_id == user_id}
    return {organisation_id for organisation_id in named if organisation_id}


def acting_for(state: co.Coalition | None, command: Command, actor: co.Actor) -> str | None:
    """The organisation the user acted for: the one the command names, else their facilitator role's."""
    named: str | None = getattr(command, "organisation_id", None)
    if named in actor.acts_for:
        return named
    if state is not None:
        held = [
            r
            for r in co.active_roles(state, "facilitator")
            if r.user_id == actor.user_id and r.organisation_id in actor.acts_for
        ]
        if held:
            return held[0].organisation_id
    return next(iter(sorted(actor.acts_for)), None)


def _with_assignee(
    command: CoalitionCommand, organisations: dict[str, org.Organisation | None], today: date
) -> CoalitionCommand:
    """Fill in which of the named organisations the person a command assigns may act for."""

    def acts(user_id: str) -> frozenset[str]:
        return frozenset(i for i, o in organisations.items() if policy.acts_for(o, user_id, today))

    if isinstance(command, co.AssignRole):
        return replace(command, user_acts_for=acts(command.user_id))
    if isinstance(command, work.CreateTask | work.ReassignTask) and command.assignee_user_id is not None:
        return replace(command, assignee_acts_for=acts(command.assignee_user_id))
    return command


@dataclass
class Decision:
    """What a coalition command is decided on: the state, who acts, and every stream version read."""

    stream: str
    state: co.Coalition | None
    version: int
    expected: dict[str, int]
    organisations: dict[str, org.Organisation | None]
    actor: co.Actor


def prepare(
    context: Context,
    coalition_id: str,
    command: Command | None = None,
    *,
    if_match: bool = True,
    also: set[str] | frozenset[str] = frozenset(),
    relied: bool = False,
) -> Decision:
    """Read the coalition and every organisation the command relies on, and who the user acts for.

    `if_match`: the client's If-Match names this coalition's version (not another aggregate's).
    `also`: more organisations the decision relies on (read, and relied on, like the others).
    `relied`: the caller appends with `Decision.expected`, so cached states may be taken unread (`Context.load`).
    """
    stream = co.stream(coalition_id)
    state, version = context.load(stream, co.evolve, relied)
    if if_match:
        context.check_version(stream, version)
    expected = {stream: version}
    organisations: dict[str, org.Organisation | None] = {}
    for organisation_id in sorted(_organisations_relied_on(state, command, context.user_id) | also):
        organisations[organisation_id], expected[org.stream(organisation_id)] = context.load(
            org.stream(organisation_id), org.evolve, relied
        )
    named = getattr(command, "organisation_id", None)
    if isinstance(command, _NAMES_AN_ORGANISATION) and (named is None or organisations.get(named) is None):
        raise NotFound("no such organisation: %(organisation)s", organisation=named)
    actor = co.Actor(
        context.user_id,
        frozenset(i for i, o in organisations.items() if policy.acts_for(o, context.user_id, context.today)),
    )
    return Decision(stream, state, version, expected, organisations, actor)


def decide(context: Context, read: Decision, command: CoalitionCommand, answer: dict[str, Any]) -> dict[str, Any]:
    """Decide on what was read, and append relying on every version read."""
    command = _with_assignee(command, read.organisations, context.today)
    changes = co.decide(read.state, command, read.actor, context.today)
    return context.append(
        read.stream,
        changes,
        read.expected,
        {**answer, "version": read.version + len(changes)},
        acting_for(read.state, command, read.actor),
    )


def run(context: Context, coalition_id: str, command: CoalitionCommand, answer: dict[str, Any]) -> dict[str, Any]:
    """Decide a coalition command on fresh state and append it with every version it relied on."""
    return decide(context, prepare(context, coalition_id, command, relied=True), command, answer)
