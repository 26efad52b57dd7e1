"""What the signed-in person may do with a coalition's statements: the domain's rules, asked of the read model.

Pages show a form only to the people these say may use it; the handler's refusal stays the authority.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coalition.domain import statement as st
from coalition.domain.coalition import Actor, holds, is_facilitator
from coalition.reads.reports import as_domain
from projections.standing import Snapshot


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
    facilitator = is_facilitator(coalition, reader)
    drafts_for = () if facilitator else tuple(sorted(o for o in reader.acts_for if st.may_draft(coalition, reader, o)))
    states = {k: m.state for k, m in coalition.members.items()}
    endorser = holds(coalition.roles.values(), states, reader, "endorser")
    editor = facilitator
    if statement is not None and not facilitator and statement["drafted_by"] == reader.user_id:
        drafted_for = statement["drafted_for"]
        editor = drafted_for is not None and st.may_draft(coalition, reader, drafted_for)
    return Powers(facilitator, drafts_for, endorser, editor)
