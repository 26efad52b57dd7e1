"""The partnership report: who may publish one, and the event that says it was published.

A report is not stored: it is drawn from the log at one position (`coalition.reads.partnership`). Publishing
records which position (and its chain hash) a facilitator put at a public URL, so that anyone can download
that very report later, sealed, and check it against the log.
"""

from __future__ import annotations

import re
from datetime import date

from marshmallow import Schema, fields, validate

from coalition.domain.base import Change, NotAllowed, NotFound, RuleBroken, drop_none
from coalition.domain.coalition_state import Actor, Coalition
from coalition.domain.event_types import registry
from coalition.domain.policy import is_facilitator
from coalition.domain.policy.ending import CoalitionEnded
from coalition.domain.statement import LANGUAGES

HASH = re.compile(r"[0-9a-f]{64}")


@registry.register("ReportPublished")
class ReportPublished(Schema):
    coalition_id = fields.String(required=True)
    report_id = fields.String(required=True)
    position = fields.Integer(required=True, validate=validate.Range(min=1))  # the log position it is drawn at
    chain_hash = fields.String(required=True, validate=validate.Regexp(HASH))  # the log's hash there
    day = fields.Date(required=True)  # the day it counts as, for what is overdue
    language = fields.String(validate=validate.OneOf(sorted(LANGUAGES)))  # the one it was published in, if one
    published_by = fields.String(required=True)


def publish(
    state: Coalition | None,
    actor: Actor,
    report_id: str,
    position: int,
    chain_hash: str,
    day: date,
    language: str | None,
    founded_at: int,
) -> list[Change]:
    """A facilitator publishes the report drawn at `position` (on `day`); `founded_at`: the coalition's founding."""
    if state is None:
        raise NotFound("no such coalition")
    if not is_facilitator(state, actor):
        raise NotAllowed("only facilitators may publish the partnership report")
    if state.closed_on is not None and position != state.final_position:  # once ended, only the final report
        raise CoalitionEnded(state.closed_on)
    if position < founded_at:
        raise RuleBroken("the coalition did not exist yet at log position %(position)s", position=position)
    if not HASH.fullmatch(chain_hash):
        raise RuleBroken("a report is published with the log's chain hash at its position")
    payload = {
        "coalition_id": state.coalition_id,
        "report_id": report_id,
        "position": position,
        "chain_hash": chain_hash,
        "day": day.isoformat(),
        "language": language,
        "published_by": actor.user_id,
    }
    return [Change("ReportPublished", drop_none(payload))]
