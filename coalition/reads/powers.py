"""What the signed-in person may do with a coalition's statements: the domain's rules, asked of the read model.

Pages show a form only to the people these say may use it; the handler's refusal stays the authority.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from coalition.domain import policy
from coalition.domain.coalition_state import Actor
from coalition.reads.access import as_domain
from coalition.reads.standing import Snapshot


@dataclass(frozen=True, slots=True)
class Powers:
    """What the signed-in person may do with a coalition's statements (the domain's rules, on the read model)."""

    facilitator: bool
    drafts_for: tuple[str, ...]  # the members a non-facilitator may draft for (when the agreement allows it)
    endorser: bool
    editor: bool = False  # may edit the statement at hand

    @property
    def may_draft(self) -> bool:
        """Whether they may draft a new statement at all."""
        return self.facilitator or bool(self.drafts_for)


def powers(snap: Snapshot, reader: Actor, statement: Mapping[str, Any] | None = None) -> Powers:
    """What `reader` may do; with `statement` (a statements row), whether they may edit it."""
    coalition = as_domain(snap)
    facilitator = policy.is_facilitator(coalition, reader)
    drafts_for = (
        () if facilitator else tuple(sorted(o for o in reader.acts_for if policy.may_draft(coalition, reader, o)))
    )
    endorser = policy.is_endorser(coalition, reader) is not None
    editor = facilitator
    if statement is not None:
        editor = policy.may_edit(coalition, reader, statement["drafted_by"], statement["drafted_for"])
    return Powers(facilitator, drafts_for, endorser, editor)


def may_change_commitment(snap: Snapshot, reader: Actor, row: Mapping[str, Any]) -> bool:
    """Whether `reader` may fulfil, withdraw or reschedule this commitment row now (`policy.may_change_commitment`)."""
    return policy.may_change_commitment(as_domain(snap), reader, row["organisation_id"], row["state"])


def task_powers(snap: Snapshot, reader: Actor, row: Mapping[str, Any]) -> dict[str, bool]:
    """What `reader` may do to this task row now: accept, complete, and manage (reassign or drop), by
    `policy.may_change_task`."""
    coalition = as_domain(snap)

    def may(action: str) -> bool:
        return policy.may_change_task(coalition, reader, row["organisation_id"], row["state"], action)

    return {"accept": may("accept"), "complete": may("complete"), "manage": may("reassign") or may("drop")}


def signs_for(snap: Snapshot, mandated: Iterable[str]) -> set[str]:
    """Of the organisations the reader holds a valid mandate of, those that may sign in this coalition (an
    active member: `policy.signer_refusal`, the statement's phase aside)."""
    coalition = as_domain(snap)
    return {o for o in mandated if policy.signer_refusal(coalition, o, True, "sign") is None}
