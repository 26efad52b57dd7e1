"""Membership and roles: a request to join (to the facilitators), an invitation, an approval, a refusal, a
suspension or reinstatement (to the organisation's administrators), a role given (to its holder)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from coalition.notify.messages import Notice
from coalition.notify.reactor import reacts_to
from coalition.reads import coalitions, organisations, people
from events import RecordedEvent

#: For each event to an organisation's administrators: the kind (and template), and the page it links to
#: under the coalition's (where to see the members, accept an invitation, ask again).
TO_ADMINISTRATORS = {
    "MemberInvited": ("member_invited", "/join"),
    "MembershipApproved": ("membership_approved", ""),
    "MembershipDeclined": ("membership_declined", "/join"),
    "MemberSuspended": ("member_suspended", "/members"),
    "MemberReinstated": ("member_reinstated", "/members"),
}


def _about(connection: Connection, payload: dict[str, Any], page: str) -> dict[str, Any]:
    """The coalition and organisation named by a membership event, and the page to act on."""
    coalition_id, organisation_id = payload["coalition_id"], payload["organisation_id"]
    return {
        "coalition": coalitions.name(connection, coalition_id),
        "organisation": organisations.names(connection, [organisation_id]).get(organisation_id, organisation_id),
        "reason": payload.get("reason") or "",
        "path": f"/coalitions/{coalition_id}{page}",
    }


@reacts_to("MembershipRequested")
def requested(connection: Connection, event: RecordedEvent, today: date) -> Iterator[Notice]:
    """The coalition's facilitators decide on a request to join."""
    context = _about(connection, event.payload, "/members")
    for user_id in sorted(people.facilitators(connection, event.payload["coalition_id"], today)):
        yield Notice("membership_requested", user_id, "membership_requested", context, event.payload["coalition_id"])


@reacts_to(*TO_ADMINISTRATORS)
def to_administrators(connection: Connection, event: RecordedEvent, today: date) -> Iterator[Notice]:
    """The organisation's administrators hear what became of its membership (and why, when a reason is given).

    `MembershipDeclined` is registered by name: until the event exists it simply never occurs."""
    kind, page = TO_ADMINISTRATORS[event.type]
    context = _about(connection, event.payload, page)
    organisation_id = event.payload["organisation_id"]
    for user_id in sorted(people.administrators(connection, [organisation_id]).get(organisation_id, set())):
        yield Notice(kind, user_id, kind, context, event.payload["coalition_id"])


@reacts_to("RoleAssigned")
def role_assigned(connection: Connection, event: RecordedEvent, today: date) -> Iterator[Notice]:
    """The person given a role, for which organisation, in which coalition."""
    context = {**_about(connection, event.payload, ""), "role": event.payload["role"]}
    yield Notice("role_assigned", event.payload["user_id"], "role_assigned", context, event.payload["role_id"])
