"""Ending well: closing a coalition, and a member leaving with its open work disposed of.

Closing (`CloseCoalition`, facilitators) needs every statement open for signature closed, every open task
done or dropped, every evaluation round closed and every pledged commitment fulfilled or withdrawn (the refusal
names each: afterwards none of them could ever be finished); it records `CoalitionClosed` with the log's head
the handler read (the final report's position). After it, `policy.check_open` refuses every changing command
on the coalition.

Leaving (`LeaveCoalition`) with open commitments or tasks is refused, naming them, unless the command carries a
disposition for each of them: a commitment is withdrawn, a task handed over to another active member or dropped,
each with a reason. Their events are recorded with `MemberLeft`, in the same append.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from coalition.domain.base import N_, Change, Invalid, RuleBroken
from coalition.domain.coalition_commands import CloseCoalition, Disposition, LeaveCoalition
from coalition.domain.coalition_state import Actor, Coalition, Commitment, Evaluation, Task
from coalition.domain.policy import check_active, check_facilitator
from coalition.domain.policy.ending import OPEN_COMMITMENT, OPEN_TASK

#: What may be done with each kind of open item when its organisation leaves.
ACTIONS = {"commitment": ("withdraw",), "task": ("hand_over", "drop")}


def open_tasks(state: Coalition, organisation_id: str | None = None) -> list[Task]:
    """The tasks still open or accepted (of one organisation, if named), in the order they were created."""
    return [
        t
        for t in state.tasks.values()
        if t.state in OPEN_TASK and (organisation_id is None or t.organisation_id == organisation_id)
    ]


def open_commitments(state: Coalition, organisation_id: str) -> list[Commitment]:
    """The organisation's commitments still pledged."""
    return [
        c for c in state.commitments.values() if c.state in OPEN_COMMITMENT and c.organisation_id == organisation_id
    ]


def pledged(state: Coalition) -> list[Commitment]:
    """Every commitment still pledged, of any organisation, in the order they were made."""
    return [c for c in state.commitments.values() if c.state in OPEN_COMMITMENT]


def open_rounds(state: Coalition) -> list[Evaluation]:
    """The evaluation rounds not closed yet (their results are shown once closed), in opening order."""
    return [e for e in state.evaluations.values() if not e.closed]


def _names(items: list[str]) -> str:
    return "; ".join(f"“{item}”" for item in items)


def close(state: Coalition, command: CloseCoalition, actor: Actor, today: date) -> list[Change]:
    """Close the coalition (facilitators), once no statement is open for signature, no task open, no evaluation
    round open and no commitment pledged."""
    check_facilitator(state, actor, N_("close the coalition"))
    reason = command.reason.strip()
    if not reason:
        raise Invalid("say why the coalition closes: a reason is required")
    statements = [title for _id, title in command.open_statements]
    tasks = [t.title for t in open_tasks(state)]
    rounds = [e.title for e in open_rounds(state)]
    names = command.organisation_names
    commitments = [f"{c.description} ({names.get(c.organisation_id, c.organisation_id)})" for c in pledged(state)]
    if statements or tasks or rounds or commitments:
        raise RuleBroken(
            "the coalition cannot close yet: close the statements still open (%(statements)s), complete or drop "
            "the open tasks (%(tasks)s), close the open evaluation rounds (%(rounds)s) and have the pledged "
            "commitments fulfilled or withdrawn (%(commitments)s) first",
            statements=_names(statements) or "-",
            tasks=_names(tasks) or "-",
            rounds=_names(rounds) or "-",
            commitments=_names(commitments) or "-",
        )
    return [
        Change(
            "CoalitionClosed",
            {
                "coalition_id": state.coalition_id,
                "reason": reason,
                "closed_by": actor.user_id,
                "closed_on": today.isoformat(),
                "final_position": command.final_position,
                "final_chain_hash": command.final_chain_hash,
            },
        )
    ]


def _disposed(state: Coalition, organisation_id: str, given: Disposition) -> Change:
    """The event one disposition records, or Invalid naming what is wrong with it."""
    item: Commitment | Task | None = state.commitments.get(given.item) or state.tasks.get(given.item)
    if item is None:
        raise Invalid("dispositions: no commitment or task %(item)s in this coalition", item=given.item)
    if item.organisation_id != organisation_id:
        raise Invalid(
            "dispositions: %(item)s belongs to another organisation, not %(organisation)s",
            item=given.item,
            organisation=organisation_id,
        )
    kind = "commitment" if isinstance(item, Commitment) else "task"
    if item.state not in (OPEN_COMMITMENT if kind == "commitment" else OPEN_TASK):
        raise Invalid("dispositions: %(item)s is no longer open", item=given.item)
    if given.action not in ACTIONS[kind]:
        if kind == "commitment":
            raise Invalid("dispositions: %(item)s is a commitment: withdraw it", item=given.item)
        raise Invalid("dispositions: %(item)s is a task: hand it over or drop it", item=given.item)
    reason = given.reason.strip()
    if not reason:
        raise Invalid("dispositions: say why for %(item)s: a reason is required", item=given.item)
    ids = {"coalition_id": state.coalition_id}
    if isinstance(item, Commitment):
        return Change("CommitmentWithdrawn", {**ids, "commitment_id": item.commitment_id, "reason": reason})
    if given.action == "drop":
        return Change("TaskDropped", {**ids, "task_id": item.task_id, "reason": reason})
    if not given.to or given.to == organisation_id:
        raise Invalid("dispositions: name another member organisation to hand %(item)s over to", item=given.item)
    check_active(state, given.to, N_("take tasks on"))
    return Change("TaskReassigned", {**ids, "task_id": item.task_id, "organisation_id": given.to, "reason": reason})


def dispositions(state: Coalition, command: LeaveCoalition) -> list[Change]:
    """The events of a leaving member's dispositions; refused unless each open item has exactly one."""
    org = command.organisation_id
    given: dict[str, Disposition] = {}
    for disposition in command.dispositions:
        if disposition.item in given:
            raise Invalid("dispositions: %(item)s is named twice", item=disposition.item)
        given[disposition.item] = disposition
    open_items: list[tuple[str, str]] = [(c.commitment_id, c.description) for c in open_commitments(state, org)]
    open_items += [(t.task_id, t.title) for t in open_tasks(state, org)]
    changes = [_disposed(state, org, d) for d in command.dispositions]
    missing = [name for item_id, name in open_items if item_id not in given]
    if missing:
        raise RuleBroken(
            "%(organisation)s still has open commitments or tasks: %(items)s; before leaving, withdraw each "
            "commitment and hand over or drop each task, with a reason",
            organisation=org,
            items=_names(missing),
        )
    return changes


#: The decisions of this module, on the coalition's state and the day.
DECISIONS: dict[type, Callable[[Coalition, Any, Actor, date], list[Change]]] = {CloseCoalition: close}
