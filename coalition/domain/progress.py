"""Progress on the common objectives: recording a value an objective's indicator reached (command and decision).

Same aggregate and stream as `coalition.domain.coalition`, whose `decide` hands `RecordProgress` here;
the state (`ProgressPoint`, `Coalition.progress`) and `evolve` are in `coalition.domain.coalition_state`,
the event in `coalition.domain.coalition_events`, the status rule in `coalition.domain.policy.objectives`.
A point is never edited: a correction is a new point that supersedes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coalition.domain.base import C_, Change, Invalid, NotAllowed, NotFound, RuleBroken, drop_none
from coalition.domain.coalition_state import Actor, Coalition, ProgressPoint
from coalition.domain.policy import is_facilitator, is_liaison, member_state, number_refusal


@dataclass(frozen=True, slots=True)
class RecordProgress:
    progress_id: str
    objective_id: str
    value: float
    as_of: date
    note: str | None = None
    organisation_id: str | None = None  # None: the liaison's own organisation, or (a facilitator) none
    supersedes: str | None = None


Command = RecordProgress


def liaison_of(state: Coalition, actor: Actor) -> list[str]:
    """The active member organisations the actor is the liaison of now, sorted."""
    return sorted({r.organisation_id for r in state.roles.values() if is_liaison(state, actor, r.organisation_id)})


def may_record_progress(state: Coalition, actor: Actor) -> bool:
    """True when the actor may record progress at all: a facilitator, or the liaison of an active member."""
    return is_facilitator(state, actor) or bool(liaison_of(state, actor))


def _for_whom(state: Coalition, c: RecordProgress, actor: Actor) -> str | None:
    """The organisation the point counts for, if the actor may record it for that organisation."""
    facilitator = is_facilitator(state, actor)
    own = liaison_of(state, actor)
    if not facilitator and not own:
        raise NotAllowed("only facilitators and the liaisons of member organisations may record progress")
    if c.organisation_id is None:
        return None if facilitator else own[0]
    held = member_state(state, c.organisation_id)
    if held != "active":
        raise RuleBroken(
            "organisation_id: organisation %(organisation)s is not an active member (it is %(state)s)",
            organisation=c.organisation_id,
            state=C_("member state", held or "not a member"),
        )
    if not facilitator and c.organisation_id not in own:
        raise NotAllowed(
            "organisation_id: a liaison records progress for their own organisation only, not for %(organisation)s",
            organisation=c.organisation_id,
        )
    return c.organisation_id


def _day(state: Coalition, as_of: date, today: date) -> None:
    agreement = state.agreement
    if as_of > today:
        raise Invalid("as_of %(day)s is in the future: progress is recorded up to today", day=as_of.isoformat())
    if as_of < agreement.starts_on:
        raise Invalid(
            "as_of %(day)s is before the agreement starts (%(starts_on)s)",
            day=as_of.isoformat(),
            starts_on=agreement.starts_on.isoformat(),
        )
    if agreement.ends_on is not None and as_of > agreement.ends_on:
        raise Invalid(
            "as_of %(day)s is after the agreement ends (%(ends_on)s)",
            day=as_of.isoformat(),
            ends_on=agreement.ends_on.isoformat(),
        )


def _superseded(state: Coalition, c: RecordProgress, actor: Actor, organisation_id: str | None) -> None:
    """Refuse a correction of a point that is unknown, of another objective, already corrected or another's."""
    every = {p.progress_id: p for points in state.progress.values() for p in points}
    old: ProgressPoint | None = every.get(c.supersedes or "")
    if old is None:
        raise NotFound("supersedes: no such progress point: %(progress)s", progress=c.supersedes)
    if old.objective_id != c.objective_id:
        raise RuleBroken(
            "supersedes: progress point %(progress)s is of objective %(other)s, not %(objective)s",
            progress=old.progress_id,
            other=old.objective_id,
            objective=c.objective_id,
        )
    if any(p.supersedes == old.progress_id for p in every.values()):
        raise RuleBroken(
            "supersedes: progress point %(progress)s is already corrected: correct the newer point",
            progress=old.progress_id,
        )
    if not is_facilitator(state, actor) and old.organisation_id != organisation_id:
        raise NotAllowed(
            "supersedes: a liaison corrects only their own organisation's progress points, not %(progress)s",
            progress=old.progress_id,
        )


def _corrected_for(state: Coalition, supersedes: str, actor: Actor, default: str | None) -> str | None:
    """A correction naming no organisation counts for the one of the point it corrects (if the actor may act for it).

    A facilitator's form sends no organisation ("the coalition as a whole") when correcting a liaison's point: the
    correction still belongs to that organisation, or it would drop out of the organisation's row.
    """
    old = next((p for points in state.progress.values() for p in points if p.progress_id == supersedes), None)
    if old is None or old.organisation_id is None:
        return default
    if is_facilitator(state, actor) or old.organisation_id in liaison_of(state, actor):
        return old.organisation_id
    return default  # a liaison correcting another organisation's point: refused by `_superseded`


def decide(state: Coalition, c: RecordProgress, actor: Actor, today: date) -> list[Change]:
    """The point recorded, or a refusal naming the field at fault (nothing is recorded then)."""
    if c.objective_id not in state.objectives:
        raise NotFound("objective_id: no such objective: %(objective)s", objective=c.objective_id)
    organisation_id = _for_whom(state, c, actor)
    if c.supersedes is not None and c.organisation_id is None:
        organisation_id = _corrected_for(state, c.supersedes, actor, organisation_id)
    refusal = number_refusal(c.value, "value")
    if refusal is not None:
        raise refusal
    _day(state, c.as_of, today)
    if c.supersedes is not None:
        _superseded(state, c, actor, organisation_id)
    if any(p.progress_id == c.progress_id for points in state.progress.values() for p in points):
        raise RuleBroken("progress point %(progress)s already exists", progress=c.progress_id)
    return [
        Change(
            "ObjectiveProgressRecorded",
            drop_none(
                {
                    "coalition_id": state.coalition_id,
                    "progress_id": c.progress_id,
                    "objective_id": c.objective_id,
                    "value": c.value,
                    "as_of": c.as_of.isoformat(),
                    "recorded_by": actor.user_id,
                    "note": c.note or None,
                    "organisation_id": organisation_id,
                    "supersedes": c.supersedes,
                }
            ),
        )
    ]
