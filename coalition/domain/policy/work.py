"""The coalition's work as the rules see it: who may change a commitment or task, what is overdue, a member's standing.

Inputs are plain values (due dates, states) so that a projection row and a domain state ask alike:
`is_overdue(row["due_on"], row["state"], today)` or `is_overdue(task.due_on, task.state, today)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from coalition.domain.base import C_, N_, DomainError, Invalid, NotAllowed, RuleBroken, either
from coalition.domain.policy.members import ActorLike, CoalitionLike, is_facilitator, is_liaison

CLOSED_COMMITMENT = ("fulfilled", "withdrawn")
CLOSED_TASK = ("done", "dropped")
CLOSED = (*CLOSED_COMMITMENT, *CLOSED_TASK)
#: Overdue for longer than this many days makes a member `lapsed` rather than `attention`.
LAPSED_AFTER_DAYS = 30
#: Open work due within this many days is "due soon" (the responsibilities page, the inbox).
DUE_SOON_DAYS = 14
#: The states a task may be in for each action on it.
TASK_STATES = {"accept": ("open",), "complete": ("open", "accepted"), "reassign": ("open", "accepted")}
TASK_STATES["drop"] = TASK_STATES["reassign"]
#: How a refusal names what only facilitators do to a task.
TASK_ACTS = {"reassign": N_("reassign tasks"), "drop": N_("drop tasks")}


#: A due date further ahead than this many years is a typing mistake, not a plan.
DUE_YEARS_AHEAD = 25


def due_date_refusal(starts_on: date, due_on: date, today: date) -> DomainError | None:
    """Why `due_on` is no due date for a commitment or task of a coalition whose cooperation starts on `starts_on`.

    Not before the cooperation starts (the coalition's work cannot be due before it exists), and not more
    than DUE_YEARS_AHEAD years after `today`. None when the date is sane.
    """
    if due_on < starts_on:
        return Invalid(
            "a due date cannot be before the coalition's cooperation starts (%(starts_on)s)",
            starts_on=starts_on.isoformat(),
        )
    latest = _years_after(today, DUE_YEARS_AHEAD)
    if due_on > latest:
        return Invalid(
            "a due date can be at most %(years)s years ahead, until %(latest)s",
            years=DUE_YEARS_AHEAD,
            latest=latest.isoformat(),
        )
    return None


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def days_overdue(due_on: date, state: str, today: date) -> int:
    """How many days past its due date an open commitment or task is on `today` (0 if it is not overdue)."""
    return 0 if state in CLOSED else max(0, (today - due_on).days)


def is_overdue(due_on: date, state: str, today: date) -> bool:
    """True when the due date has passed and the commitment or task is still open (see `days_overdue`)."""
    return days_overdue(due_on, state, today) > 0


def due_soon(due_on: date, state: str, today: date, within: int = DUE_SOON_DAYS) -> bool:
    """True when a commitment or task is still open and due within `within` days of `today`, or overdue."""
    return state not in CLOSED and (due_on - today).days <= within


def commitment_refusal(
    coalition: CoalitionLike, actor: ActorLike, organisation_id: str, state: str, verb: str, commitment_id: str = ""
) -> DomainError | None:
    """Why the actor may not change (`verb`: fulfil, withdraw, reschedule) this commitment, or None when they may."""
    if organisation_id not in actor.acts_for and not is_facilitator(coalition, actor):
        return NotAllowed("only the pledging organisation or a facilitator may change a commitment")
    if state in CLOSED_COMMITMENT:
        return RuleBroken(
            "commitment %(commitment)s is %(state)s: a %(state)s commitment cannot be %(verb)s",
            commitment=commitment_id,
            state=C_("commitment state", state),
            verb=C_("commitment verb", verb),
        )
    return None


def may_change_commitment(coalition: CoalitionLike, actor: ActorLike, organisation_id: str, state: str) -> bool:
    """True when the actor may fulfil, withdraw or reschedule a commitment of `organisation_id` now in `state`."""
    return commitment_refusal(coalition, actor, organisation_id, state, "changed") is None


def may_create_task(coalition: CoalitionLike, actor: ActorLike, organisation_id: str) -> bool:
    """True when the actor may give a task to `organisation_id`: a facilitator, or that member's liaison."""
    return is_facilitator(coalition, actor) or is_liaison(coalition, actor, organisation_id)


def task_refusal(
    coalition: CoalitionLike, actor: ActorLike, organisation_id: str, state: str, action: str, task_id: str = ""
) -> DomainError | None:
    """Why the actor may not `action` (accept, complete, reassign, drop) a task of `organisation_id` in `state`."""
    if action in ("accept", "complete"):
        if organisation_id not in actor.acts_for:
            return NotAllowed(
                "only the assignee organisation (%(organisation)s) may accept or complete this task",
                organisation=organisation_id,
            )
    elif not is_facilitator(coalition, actor):
        return NotAllowed("only facilitators may %(doing)s", doing=TASK_ACTS[action])
    allowed = TASK_STATES[action]
    if state not in allowed:
        return RuleBroken(
            "task %(task)s is %(state)s, not %(allowed)s",
            task=task_id,
            state=C_("task state", state),
            allowed=either("task state", allowed),
        )
    return None


def may_change_task(coalition: CoalitionLike, actor: ActorLike, organisation_id: str, state: str, action: str) -> bool:
    """True when the actor may `action` (accept, complete, reassign, drop) a task of `organisation_id` in `state`."""
    return task_refusal(coalition, actor, organisation_id, state, action) is None


class Standing(NamedTuple):
    """A member's standing: its level (good, attention, lapsed), why, and the overdue figures behind it."""

    level: str
    reason: str
    days_overdue: int
    overdue_items: int


def standing_level(
    membership: str, suspension_reason: str | None, work: Iterable[tuple[date, str]], today: date
) -> Standing:
    """A member's standing on `today` from simple facts.

    `membership`: its membership state; `suspension_reason`: why it was suspended, if it is;
    `work`: (due_on, state) of each of its commitments and tasks. A suspended member has lapsed;
    otherwise one overdue for more than LAPSED_AFTER_DAYS has lapsed, any overdue needs attention,
    and nothing overdue is good. Call it with rows: `standing_level(m["state"], m["reason"],
    [(w["due_on"], w["state"]) for w in rows], day)`.
    """
    late = [days for days in (days_overdue(due_on, state, today) for due_on, state in work) if days > 0]
    worst = max(late, default=0)
    if membership == "suspended":
        reason = f"suspended: {suspension_reason}" if suspension_reason else "suspended"
        return Standing("lapsed", reason, worst, len(late))
    if late:
        level = "lapsed" if worst > LAPSED_AFTER_DAYS else "attention"
        return Standing(level, f"{len(late)} overdue, the oldest by {worst} days", worst, len(late))
    return Standing("good", "nothing overdue", 0, 0)
